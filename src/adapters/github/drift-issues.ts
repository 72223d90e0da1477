import type { DriftReport } from '../../core/types.ts';
import type { DriftNotifier } from '../../ports/drift-notifier.ts';
import type { DriftRecord, HealSuspension } from '../../ports/state.ts';
import type { OctokitProvider } from './client.ts';
import type { ThrottledWriter } from './writer.ts';

/**
 * One GitHub issue per drifted app, in the app's repository: opened when the app drifts, its body
 * edited (no comment per run) while the drift changes, closed with a comment once the app is back
 * in sync. The open issue is found by listing issues with the label and reading a hidden marker
 * in the body, not through the search API, whose index lags behind writes by up to a minute and
 * would open duplicates. Every write goes through the shared ThrottledWriter, serial per identity.
 */

export const driftLabel = 'driftless:drift';
/** GitHub refuses issue bodies longer than this many characters. */
export const maxIssueBodyChars = 65_536;

export const driftMarker = (app: string): string => `<!-- driftless:drift app=${app} -->`;

/** Renders a report as Markdown (src/drift/markdown.ts `driftMarkdown` has this shape). */
export type DriftIssueBody = (report: DriftReport, options: { detailsUrl?: string; maxChars?: number }) => string;

export interface GitHubDriftIssuesOptions {
  owner: string;
  repo: string;
  client: OctokitProvider;
  writer: ThrottledWriter;
  body: DriftIssueBody;
  /** `server.publicUrl`: long bodies link to `{publicUrl}/apps/{app}/drift`. */
  publicUrl?: string;
}

export const detailsUrlFor = (publicUrl: string | undefined, app: string): string | undefined =>
  publicUrl ? `${publicUrl.replace(/\/+$/, '')}/apps/${encodeURIComponent(app)}/drift` : undefined;

/** Cuts at a UTF-16 boundary that never splits a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text[max - 1] ?? '') ? max - 1 : max;
  return text.slice(0, end);
}

/** Marker, self-heal note, rendered report; always within GitHub's limit, ending with a link when cut. */
export function composeIssueBody(record: DriftRecord, render: DriftIssueBody, detailsUrl: string | undefined, suspension?: HealSuspension): string {
  const head = `${driftMarker(record.app)}\n`;
  const heal = suspension ? `> [!WARNING]\n> **Self-heal suspended.** ${suspension.message}\n\n` : '';
  const where = detailsUrl ?? `GET /apps/${record.app}/drift on the driftless server`;
  const tail = `\n\n… truncated: the full report is at ${where}\n`;
  // The full report and its history are one click away whenever the server's address is known.
  const footer = detailsUrl ? `\nFull report and history: ${detailsUrl}\n` : '';
  const budget = maxIssueBodyChars - head.length - heal.length - Math.max(tail.length, footer.length);
  const rendered = render(record, { ...(detailsUrl ? { detailsUrl } : {}), maxChars: budget });
  return head + heal + (rendered.length > budget ? cut(rendered, budget) + tail : rendered + footer);
}

interface OpenIssue {
  number: number;
  body: string;
}

export function createGitHubDriftIssues(options: GitHubDriftIssuesOptions): DriftNotifier {
  const { owner, repo, client, writer } = options;

  async function findOpen(app: string): Promise<OpenIssue | undefined> {
    const octokit = await client();
    const marker = driftMarker(app);
    const pages = octokit.paginate.iterator(octokit.rest.issues.listForRepo, { owner, repo, labels: driftLabel, state: 'open', per_page: 100 });
    for await (const page of pages) {
      for (const issue of page.data) {
        if (!issue.pull_request && typeof issue.body === 'string' && issue.body.includes(marker)) return { number: issue.number, body: issue.body };
      }
    }
    return undefined;
  }

  async function open(record: DriftRecord, suspension: HealSuspension | undefined): Promise<void> {
    const body = composeIssueBody(record, options.body, detailsUrlFor(options.publicUrl, record.app), suspension);
    const existing = await findOpen(record.app);
    const octokit = await client();
    if (!existing) {
      await octokit.rest.issues.create({ owner, repo, title: `Drift: ${record.app} differs from Git`, body, labels: [driftLabel] });
    } else if (existing.body !== body) {
      await octokit.rest.issues.update({ owner, repo, issue_number: existing.number, body });
    }
  }

  async function close(record: DriftRecord): Promise<void> {
    const existing = await findOpen(record.app);
    if (!existing) return;
    const octokit = await client();
    const at = record.revision ? ` with ${record.revision.sha.slice(0, 12)}` : '';
    await octokit.rest.issues.createComment({ owner, repo, issue_number: existing.number, body: `${record.app} is back in sync${at} (checked ${record.checkedAt}). Closing.` });
    await octokit.rest.issues.update({ owner, repo, issue_number: existing.number, state: 'closed', state_reason: 'completed' });
  }

  return {
    async notify(record, suspension) {
      if (record.status === 'Unknown') return false;
      // Find and write in one job: the writer runs jobs one at a time, so a later notification
      // for the same app sees the issue an earlier one opened.
      await writer.write({
        label: `drift issue ${owner}/${repo} ${record.app} ${record.status}`,
        run: () => (record.status === 'OutOfSync' ? open(record, suspension) : close(record)),
      });
      return true;
    },
  };
}
