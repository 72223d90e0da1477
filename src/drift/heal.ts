import type { DriftReport, DriftedObject, Revision } from '../core/types.ts';
import type { HealState, HealSuspension } from '../ports/state.ts';

/**
 * Self-heal decisions, pure: what to do with one drift report of an app with `selfHeal: true`.
 *
 * Healing re-applies the revision driftless last synced (never a newer one: bringing Git's new
 * commits is the push path's job), and only when that revision was trusted (an OutOfSync report
 * carries it; Unknown never heals). Something that changes the cluster back after every heal (an
 * operator, an HPA, a mutating webhook) would otherwise fight driftless forever: after
 * `maxHeals` heals within `windowMs` healing stops and the app is HealSuspended, naming the field
 * managers and the fields, until a person acts (the next push or manual sync).
 */

export const healWindowMs = 60 * 60 * 1000;
export const maxHealsPerWindow = 3;

export type HealDecision =
  | { action: 'none' }
  | { action: 'skip'; reason: string }
  | { action: 'heal'; revision: Revision; state: HealState }
  | { action: 'suspend'; suspension: HealSuspension; state: HealState };

export interface HealInput {
  selfHeal: boolean;
  report: DriftReport;
  state?: HealState;
  /** A sync of the app is queued or running: it restores the cluster anyway. */
  syncInFlight: boolean;
  /** Whether a sync of the app prunes (its `prune`); default true. Without it an `extra` object stays. */
  prunes?: boolean;
  now: Date;
  windowMs?: number;
  maxHeals?: number;
}

export function decideHeal(input: HealInput): HealDecision {
  const { report } = input;
  if (!input.selfHeal || report.status !== 'OutOfSync') return { action: 'none' };
  const state = input.state ?? { recent: [] };
  // Every report while suspended says so (and why), not only the one that suspended it.
  if (state.suspended) return { action: 'suspend', suspension: state.suspended, state };
  if (!report.revision) return { action: 'skip', reason: 'the revision last synced is not known, so there is nothing trusted to restore' };
  // A sync that does not prune leaves extras where they are: healing them only counts towards a suspension.
  if (input.prunes === false && report.objects.every((o) => o.state === 'extra')) {
    return { action: 'skip', reason: 'only objects no longer in Git differ, and the app does not prune (prune: false): a sync would leave them; delete them by hand' };
  }
  if (input.syncInFlight) return { action: 'skip', reason: 'a sync of the app is already queued or running' };
  const since = input.now.getTime() - (input.windowMs ?? healWindowMs);
  const recent = state.recent.filter((at) => Date.parse(at) >= since);
  const max = input.maxHeals ?? maxHealsPerWindow;
  const at = input.now.toISOString();
  if (recent.length >= max) {
    const suspension = suspend(report, recent.length, input.windowMs ?? healWindowMs, at);
    return { action: 'suspend', suspension, state: { recent, suspended: suspension } };
  }
  return { action: 'heal', revision: report.revision, state: { recent: [...recent, at] } };
}

const objectName = (o: DriftedObject): string => `${o.ref.kind} ${o.ref.namespace ? `${o.ref.namespace}/` : ''}${o.ref.name}`;

/** `Deployment shop/web /spec/replicas`, `ConfigMap shop/settings (deleted)`. */
export function driftedFields(objects: readonly DriftedObject[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    if (o.state === 'missing') out.push(`${objectName(o)} (deleted)`);
    else if (o.state === 'extra') out.push(`${objectName(o)} (no longer in Git, not pruned)`);
    else for (const f of o.fields) out.push(`${objectName(o)} ${f.path}`);
  }
  return out;
}

export function fightingManagers(objects: readonly DriftedObject[]): string[] {
  const managers = new Set<string>();
  for (const o of objects) for (const f of o.fields) if (f.manager) managers.add(f.manager);
  return [...managers].sort();
}

const shownFields = 20;

function suspend(report: DriftReport, heals: number, windowMs: number, at: string): HealSuspension {
  const managers = fightingManagers(report.objects);
  const fields = driftedFields(report.objects);
  const who = managers.length > 0 ? `field manager${managers.length > 1 ? 's' : ''} ${managers.join(', ')}` : 'an unknown field manager (or a deletion)';
  const list = fields.slice(0, shownFields).join('; ') + (fields.length > shownFields ? `; and ${fields.length - shownFields} more` : '');
  const minutes = Math.round(windowMs / 60_000);
  const message = `something keeps fighting Git: the cluster drifted again after ${heals} heals within ${minutes} minutes; ${who} changed ${list}. Self-heal is suspended until the next push or manual sync.`;
  return { at, managers, fields, message };
}
