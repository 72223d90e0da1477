import type { DriftlessConfig } from '../../config/types.ts';
import type { HealthStatus, ObjectResult } from '../../core/types.ts';
import type { NotificationRecord, SyncRecord } from '../../ports/state.ts';
import type { AppView, DriftlessService } from '../../service/service.ts';

/** What the status page shows, read from the service in one go. Anonymous visitors get `summary` only. */

export interface AppSummary {
  name: string;
  sync: AppView['status'];
  health: HealthStatus | 'Unknown';
  drift: NonNullable<AppView['drift']>['status'] | 'Unknown';
}

export interface AppDetails extends AppSummary {
  revision?: { ref: string; sha: string; url?: string };
  lastSyncAt?: string;
  durationMs?: number;
  message?: string;
  pinned?: string;
  /** Objects of the last sync that are not healthy, with the reason. */
  unhealthy: Array<{ object: string; state: string; reason: string }>;
  objects: number;
  recentSyncs: Array<Pick<SyncRecord, 'id' | 'state' | 'queuedAt' | 'finishedAt' | 'reason'> & { trigger: string; error?: string; revision?: string }>;
}

export interface StatusModel {
  apps: AppDetails[];
  notifications: NotificationRecord[];
}

/** https://github.com/owner/repo/commit/sha for GitHub repositories (the web host of an Enterprise apiUrl too). */
export function commitUrl(config: DriftlessConfig, repository: string, sha: string): string | undefined {
  const repo = config.repositories[repository];
  if (!repo || !('github' in repo)) return undefined;
  const { owner, repo: name, apiUrl } = repo.github;
  // The public API host's web host is github.com; an Enterprise server's is its apiUrl without /api/v3.
  const api = apiUrl?.replace(/\/+$/, '');
  const web = !api || /^https:\/\/api\.github\.com$/i.test(api) ? 'https://github.com' : api.replace(/\/api\/v3$/, '');
  if (!/^https?:\/\/[^/]+/.test(web)) return undefined;
  return `${web}/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/commit/${encodeURIComponent(sha)}`;
}

const describeObject = (o: ObjectResult): string => `${o.ref.kind} ${o.ref.namespace ? `${o.ref.namespace}/` : ''}${o.ref.name}`;

function triggerText(record: SyncRecord): string {
  const t = record.trigger;
  return t.kind === 'manual' ? `manual (${t.actor})` : t.kind;
}

export async function loadSummary(service: DriftlessService): Promise<AppSummary[]> {
  return (await loadApps(service, false)).map(({ name, sync, health, drift }) => ({ name, sync, health, drift }));
}

/** Deliveries only with `notifications` (a signed-in visitor): GET /notifications needs a token even with publicRead. */
export async function loadModel(service: DriftlessService, options: { notifications: boolean }): Promise<StatusModel> {
  const [apps, notifications] = await Promise.all([loadApps(service, true), options.notifications ? service.listNotifications({ limit: 10 }) : []]);
  return { apps, notifications };
}

async function loadApps(service: DriftlessService, details: boolean): Promise<AppDetails[]> {
  const config = service.ctx.deps.config;
  const views = await service.listApps();
  return Promise.all(views.map(async (view): Promise<AppDetails> => {
    const last = view.lastSyncId ? await service.store.getSync(view.lastSyncId) : undefined;
    const result = last?.result;
    const out: AppDetails = {
      name: view.name, sync: view.status, health: result?.health ?? 'Unknown', drift: view.drift?.status ?? 'Unknown',
      unhealthy: [], objects: result?.objects.length ?? 0, recentSyncs: [],
    };
    if (!details) return out;
    if (view.revision) {
      const url = commitUrl(config, view.repository, view.revision.sha);
      out.revision = { ...view.revision, ...(url ? { url } : {}) };
    }
    if (view.lastSyncAt) out.lastSyncAt = view.lastSyncAt;
    if (last?.startedAt && last.finishedAt) out.durationMs = Date.parse(last.finishedAt) - Date.parse(last.startedAt);
    if (view.message) out.message = view.message;
    if (view.pinned) out.pinned = view.pinned.revision;
    out.unhealthy = (result?.objects ?? [])
      .filter((o) => o.health !== undefined && o.health !== 'Healthy')
      .map((o) => ({ object: describeObject(o), state: o.health ?? 'Unknown', reason: o.message ?? 'no reason given' }));
    const recent = await service.store.listSyncs({ app: view.name, limit: 5 });
    out.recentSyncs = recent.map((r) => ({
      id: r.id, state: r.state, queuedAt: r.queuedAt, trigger: triggerText(r),
      ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}), ...(r.reason ? { reason: r.reason } : {}),
      ...(r.error ? { error: r.error.message } : {}), ...(r.revision ? { revision: r.revision.sha.slice(0, 12) } : {}),
    }));
    return out;
  }));
}
