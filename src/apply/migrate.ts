import { isRecord } from '../core/objects.ts';
import type { KubeObject, ManagedFieldsEntry } from '../core/types.ts';
import type { JsonPatchOperation } from '../ports/cluster.ts';
import { FIELD_MANAGER } from '../core/labels.ts';

/**
 * Server-side apply never removes fields owned by client-side-apply managers, so an object first
 * applied by `kubectl apply` (or by Argo CD / Flux through Update operations) would keep fields
 * that Git dropped. As kubectl's csaupgrade does (kubernetes#99003, #112905), their entries are
 * folded into driftless's Apply entry with a JSON patch guarded by the resourceVersion.
 */
const CSA_MANAGERS = new Set(['kubectl-client-side-apply', 'before-first-apply']);
const GITOPS_MANAGERS = /^(argocd-controller|argocd-application-controller|argo-cd|kustomize-controller|helm-controller|flux.*|gotk-.*)$/;

export function isMigratable(entry: ManagedFieldsEntry): boolean {
  if (!entry.manager || entry.subresource) return false;
  if (CSA_MANAGERS.has(entry.manager)) return true;
  return entry.operation === 'Update' && GITOPS_MANAGERS.test(entry.manager);
}

function mergeFields(a: unknown, b: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = isRecord(a) ? { ...a } : {};
  if (!isRecord(b)) return out;
  for (const [key, value] of Object.entries(b)) out[key] = isRecord(out[key]) || isRecord(value) ? mergeFields(out[key], value) : value;
  return out;
}

/** The JSON patch that migrates client-side managers into driftless's entry, or undefined if none. */
export function migrationPatch(live: KubeObject, now: string): { operations: JsonPatchOperation[]; migrated: string[] } | undefined {
  const entries = live.metadata.managedFields ?? [];
  const migratable = entries.filter(isMigratable);
  if (migratable.length === 0 || !live.metadata.resourceVersion) return undefined;
  const existing = entries.find((e) => e.manager === FIELD_MANAGER && e.operation === 'Apply' && !e.subresource);
  let fields: Record<string, unknown> = isRecord(existing?.fieldsV1) ? existing.fieldsV1 : {};
  for (const entry of migratable) fields = mergeFields(fields, entry.fieldsV1);
  const ours: ManagedFieldsEntry = { manager: FIELD_MANAGER, operation: 'Apply', apiVersion: live.apiVersion, time: now, fieldsType: 'FieldsV1', fieldsV1: fields };
  const kept = entries.filter((e) => e !== existing && !isMigratable(e));
  return {
    operations: [
      { op: 'test', path: '/metadata/resourceVersion', value: live.metadata.resourceVersion },
      { op: 'replace', path: '/metadata/managedFields', value: [ours, ...kept] },
    ],
    migrated: [...new Set(migratable.map((e) => e.manager!))].sort(),
  };
}
