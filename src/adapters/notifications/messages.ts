import type { NotificationEvent, NotificationEventName } from '../../ports/notifier.ts';

/**
 * What each sink receives for one event. Only the event's own fields go out: app, revision,
 * summary and the error message of a sync (DriftlessError messages name secrets by reference,
 * never by value).
 */

export interface MessageOptions {
  /** server.publicUrl: links point at its status page. */
  publicUrl?: string;
}

const titles: Record<NotificationEventName, string> = {
  'sync-failed': 'Sync failed',
  'sync-recovered': 'Sync recovered',
  'health-degraded': 'Health degraded',
  'drift-opened': 'Drift detected',
  'drift-closed': 'Drift resolved',
  'heal-suspended': 'Self-heal suspended',
};

const good = new Set<NotificationEventName>(['sync-recovered', 'drift-closed']);

export function eventTitle(event: NotificationEvent): string {
  return `${titles[event.event]}: ${event.app}`;
}

function detailsUrl(event: NotificationEvent, options: MessageOptions): string | undefined {
  return options.publicUrl ? `${options.publicUrl}/#app-${encodeURIComponent(event.app)}` : undefined;
}

function facts(event: NotificationEvent): Array<[string, string]> {
  const out: Array<[string, string]> = [['App', event.app], ['Event', event.event]];
  if (event.revision) out.push(['Revision', `${event.revision.ref}@${event.revision.sha.slice(0, 12)}`]);
  if (event.objects !== undefined) out.push(['Drifted objects', String(event.objects)]);
  if (event.managers && event.managers.length > 0) out.push(['Changed by', event.managers.join(', ')]);
  if (event.syncId) out.push(['Sync', event.syncId]);
  out.push(['At', event.at]);
  return out;
}

/** Slack mrkdwn treats &, < and > as control characters. */
const slackEscape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** A Slack incoming webhook message: `text` is the notification fallback, `blocks` the Block Kit layout. */
export function slackMessage(event: NotificationEvent, options: MessageOptions = {}): Record<string, unknown> {
  const url = detailsUrl(event, options);
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: clip(`${good.has(event.event) ? '✅' : '⚠️'} ${eventTitle(event)}`, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(slackEscape(event.summary), 3000) } },
    // Section fields: at most 10, 2000 characters each.
    { type: 'section', fields: facts(event).slice(0, 10).map(([k, v]) => ({ type: 'mrkdwn', text: clip(`*${k}*\n${slackEscape(v)}`, 2000) })) },
  ];
  if (event.message) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`\`\`\`${slackEscape(event.message)}\`\`\``, 3000) } });
  if (url) blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open status page' }, url }] });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: 'driftless' }] });
  return { text: `${eventTitle(event)}: ${event.summary}`, blocks };
}

/**
 * A Microsoft Teams Workflows webhook message: an Adaptive Card (1.4, the version Teams renders)
 * in the message envelope the "Post to a channel when a webhook request is received" flow reads.
 */
export function teamsMessage(event: NotificationEvent, options: MessageOptions = {}): Record<string, unknown> {
  const url = detailsUrl(event, options);
  const body: Array<Record<string, unknown>> = [
    { type: 'TextBlock', text: eventTitle(event), weight: 'Bolder', size: 'Medium', wrap: true, color: good.has(event.event) ? 'Good' : 'Attention' },
    { type: 'TextBlock', text: event.summary, wrap: true },
    { type: 'FactSet', facts: facts(event).map(([title, value]) => ({ title, value })) },
  ];
  if (event.message) body.push({ type: 'TextBlock', text: event.message, wrap: true, fontType: 'Monospace', isSubtle: true });
  const content: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body,
  };
  if (url) content.actions = [{ type: 'Action.OpenUrl', title: 'Open status page', url }];
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }] };
}

/** The generic webhook's JSON body: the event as is, with its delivery id and a link. */
export function webhookMessage(event: NotificationEvent, id: string, options: MessageOptions = {}): Record<string, unknown> {
  const url = detailsUrl(event, options);
  return { id, ...event, title: eventTitle(event), ...(url ? { url } : {}) };
}
