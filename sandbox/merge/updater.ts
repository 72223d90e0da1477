import { ApiError, type Obj, type SchemaNode, type StatusCause } from '../contracts.ts';
import { isCustomSchema } from '../schema/jsonschemaprops.ts';
import { pathString, type FieldSet, type Path } from './fieldset.ts';
import { STRIPPED, withoutTopLevel, type Managers } from './managed.ts';
import { isObj } from './schema-walk.ts';
import { compare, type Comparison } from './typed.ts';

/**
 * Ownership bookkeeping shared by Apply and Update: a port of structured-merge-diff's
 * Updater.update (merge/update.go). Every manager except `self` loses the fields the write
 * changed or added (a conflict unless forced) and the fields it removed.
 */
export function updateOthers(
  oldBody: Obj,
  newBody: Obj,
  schema: SchemaNode | undefined,
  managers: Managers,
  self: string | undefined,
  force: boolean,
  reset: string[],
): Comparison {
  // Reset fields are dropped from the result anyway: not walking them saves a status write the spec.
  const raw = compare(withoutKeys(oldBody, reset), withoutKeys(newBody, reset), schema);
  const cmp: Comparison = {
    added: withoutTopLevel(raw.added, reset),
    modified: withoutTopLevel(raw.modified, reset),
    removed: withoutTopLevel(raw.removed, reset),
  };
  const changed = cmp.modified.union(cmp.added);
  const conflicts = new Map<string, FieldSet>();
  for (const [key, entry] of managers) {
    if (key === self) continue;
    const c = entry.set.intersection(changed);
    if (!c.empty()) conflicts.set(key, c);
  }
  if (!force && conflicts.size > 0) throw new Conflicts(conflicts);
  for (const [key, entry] of managers) {
    if (key === self) continue;
    const lost = conflicts.get(key);
    // Most entries lose nothing; keeping their set object lets the encoder reuse their FieldsV1.
    if (!lost && entry.set.intersection(cmp.removed).empty()) continue;
    const next = entry.set.difference(lost).difference(cmp.removed);
    if (next.empty()) managers.delete(key);
    else entry.set = next;
  }
  return cmp;
}

function withoutKeys(obj: Obj, keys: string[]): Obj {
  if (!keys.some((k) => k in obj)) return obj;
  const out = { ...obj };
  for (const k of keys) delete out[k];
  return out;
}

/** Apply conflicts by manager key, before they become the 409 (merge.Conflicts). */
export class Conflicts extends Error {
  constructor(readonly byManager: Map<string, FieldSet>) {
    super('apply conflicts');
  }
}

/** The fields a non-apply write takes over: what it changed or added, minus reset and metadata fields. */
export function ownedByWrite(cmp: Comparison, reset: string[]): FieldSet {
  return withoutTopLevel(cmp.modified.union(cmp.added), reset).difference(STRIPPED);
}

/** How the server names a manager in conflicts (internal/conflict.go printManager). */
export function printManager(key: string): string {
  let id: { manager?: string; operation?: string; apiVersion?: string; subresource?: string };
  try {
    id = JSON.parse(key) as typeof id;
  } catch {
    return JSON.stringify(key);
  }
  let out = JSON.stringify(id.manager ?? '');
  if (id.subresource) out += ` with subresource ${JSON.stringify(id.subresource)}`;
  if (id.operation === 'Update') out += ` using ${id.apiVersion ?? ''}`;
  return out;
}

/** 409 with the real message shapes (NewConflictError / getConflictMessage). */
export function conflictError(conflicts: Map<string, FieldSet>): ApiError {
  const keys = [...conflicts.keys()].sort();
  const all: Array<{ key: string; path: Path }> = [];
  for (const key of keys) for (const path of conflicts.get(key)!.paths()) all.push({ key, path });
  const causes: StatusCause[] = all.map(({ key, path }) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(key)}`,
    field: pathString(path),
  }));
  let message: string;
  if (all.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(all[0]!.key)}: ${pathString(all[0]!.path)}`;
  } else {
    const lines: string[] = [];
    for (const key of keys) {
      lines.push(`conflicts with ${printManager(key)}:`);
      for (const { path } of all.filter((c) => c.key === key)) lines.push(`- ${pathString(path)}`);
    }
    message = `Apply failed with ${all.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, { causes });
}

/**
 * The object a create is compared against: the Go zero value of the kind. Non-pointer struct
 * fields carry `default: {}` in the built-in documents and fields without omitempty are listed as
 * required, so both count as present and get no `.` of their own; custom resources start empty.
 */
export function zeroObject(schema: SchemaNode | undefined): Obj {
  if (!schema || isCustomSchema(schema)) return {};
  // Built once per kind: callers only compare against it.
  let zero = zeros.get(schema);
  if (!zero) {
    zero = zeroOf(schema, 0);
    zeros.set(schema, zero);
  }
  return zero;
}

const zeros = new WeakMap<SchemaNode, Obj>();

function zeroOf(schema: SchemaNode, depth: number): Obj {
  const out: Obj = {};
  if (depth > 12 || !schema.properties) return out;
  const required = new Set(schema.required ?? []);
  for (const [key, prop] of Object.entries(schema.properties)) {
    if (isObj(prop.default) && Object.keys(prop.default).length === 0 && prop.properties && !prop.additional) {
      out[key] = zeroOf(prop, depth + 1);
    } else if (key === 'creationTimestamp' && prop.format === 'date-time') {
      // metav1.Time is a struct: omitempty never drops it, it marshals as null.
      out[key] = null;
    } else if (required.has(key)) {
      // Required fields are the ones without omitempty: Go writes their zero value (nil → null).
      out[key] = prop.default !== undefined && typeof prop.default !== 'object' ? prop.default : null;
    }
  }
  return out;
}
