import { DriftlessError } from '../core/errors.ts';
import { groupOf, isRecord, refOf } from '../core/objects.ts';
import type { KubeObject, ObjectRef } from '../core/types.ts';
import type { IgnoreRule } from '../config/types.ts';
import { APP_LABEL, APPLIED_HASH_ANNOTATION, TRACKING_ANNOTATION } from '../core/labels.ts';

/** The applied-configuration hash a live object carries, if driftless applied it. */
export function appliedHashOf(obj: KubeObject): string | undefined {
  return obj.metadata.annotations?.[APPLIED_HASH_ANNOTATION];
}

export function trackingId(app: string, ref: ObjectRef): string {
  return `${app}:${ref.group}/${ref.kind}:${ref.namespace ?? ''}/${ref.name}`;
}

/** The app that tracks a live object, from its annotation (or, failing that, its label). */
export function trackedBy(obj: KubeObject): string | undefined {
  const id = obj.metadata.annotations?.[TRACKING_ANNOTATION];
  if (id) return id.slice(0, id.indexOf(':') < 0 ? id.length : id.indexOf(':'));
  return obj.metadata.labels?.[APP_LABEL];
}

/**
 * Adds the driftless label and tracking annotation, fills the app namespace into namespaced objects
 * without one, and drops fields a render tool leaves that the server would not keep.
 */
export function stampObject(source: KubeObject, app: string, namespace: string | undefined): KubeObject {
  const obj = structuredClone(source);
  const meta = obj.metadata;
  if (namespace === undefined) delete meta.namespace;
  else meta.namespace = meta.namespace || namespace;
  if (meta.creationTimestamp === null) delete meta.creationTimestamp;
  meta.labels = { ...(meta.labels ?? {}), [APP_LABEL]: app };
  meta.annotations = { ...(meta.annotations ?? {}), [TRACKING_ANNOTATION]: trackingId(app, refOf(obj)) };
  if (obj.kind === 'Secret' && groupOf(obj.apiVersion) === '' && isRecord(obj.stringData)) {
    // The server folds stringData into data and never stores it; folding it here keeps the
    // applied configuration comparable with what is live.
    const data: Record<string, unknown> = isRecord(obj.data) ? { ...obj.data } : {};
    for (const [key, value] of Object.entries(obj.stringData)) data[key] = Buffer.from(String(value), 'utf8').toString('base64');
    obj.data = data;
    delete obj.stringData;
  }
  return obj;
}

export function ruleMatches(rule: IgnoreRule, ref: ObjectRef): boolean {
  if (rule.kind !== '*' && rule.kind !== ref.kind) return false;
  if (rule.group !== undefined && rule.group !== ref.group) return false;
  if (rule.name !== undefined && rule.name !== ref.name) return false;
  if (rule.namespace !== undefined && rule.namespace !== (ref.namespace ?? '')) return false;
  return true;
}

function unescapePointer(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Removes the field at an RFC 6901 pointer; a pointer to nothing is a no-op. */
export function removePointer(root: unknown, pointer: string): void {
  if (pointer === '' || !pointer.startsWith('/')) throw new DriftlessError('CONFIG_INVALID', `ignore rule pointer "${pointer}" must start with "/"`, { field: 'ignore.jsonPointers' });
  const tokens = pointer.slice(1).split('/').map(unescapePointer);
  let node: unknown = root;
  for (let i = 0; i < tokens.length - 1; i++) {
    const token = tokens[i]!;
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isRecord(node)) node = node[token];
    else return;
  }
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(node)) {
    const index = Number(last);
    if (Number.isInteger(index) && index >= 0 && index < node.length) node.splice(index, 1);
  } else if (isRecord(node)) {
    delete node[last];
  }
}

/** Drops the fields the app's ignore rules hand to other controllers (e.g. replicas under an HPA). */
export function applyIgnoreRules(obj: KubeObject, rules: IgnoreRule[]): KubeObject {
  const ref = refOf(obj);
  for (const rule of rules) {
    if (!ruleMatches(rule, ref)) continue;
    for (const pointer of rule.jsonPointers) removePointer(obj, pointer);
  }
  return obj;
}
