// Decoding the result of a JSON, merge or strategic merge patch into the kind's type, as the
// apiserver's patch handlers do (handlers/patch.go): a failure is a 422 on the field `patch` of no
// kind (` "" is invalid: patch: Invalid value: …`), the value being the patched object's JSON
// (JSON and merge patches) or Go's rendering of the patch map (strategic merge patches).
import { ApiError, type Obj, type ResourceInfo } from '../contracts.ts';
import type { Cluster, WriteOptions } from './cluster.ts';
import { decodeTyped, unknownFields } from './deps.ts';
import { isObj } from './util.ts';

/** encoding/json's output for a map: keys sorted. */
function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (isObj(v)) return `{${Object.keys(v).filter((k) => v[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${sortedJson(v[k])}`).join(',')}}`;
  return JSON.stringify(v ?? null);
}

/** fmt's %+v of a map[string]interface{}. */
function goMap(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goMap).join(' ')}]`;
  if (isObj(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goMap(v[k])}`).join(' ')}]`;
  return v === null || v === undefined ? '<nil>' : String(v);
}

function patchInvalid(shown: string, detail: string): ApiError {
  const message = `Invalid value: ${JSON.stringify(shown)}: ${detail}`;
  return new ApiError(422, 'Invalid', ` "" is invalid: patch: ${message}`, { causes: [{ reason: 'FieldValueInvalid', message, field: 'patch' }] });
}

export function decodePatched(cluster: Cluster, info: ResourceInfo, patched: Obj, opts: WriteOptions, smpPatch?: Obj): void {
  const schema = cluster.schema(info);
  if (!schema) return;
  const result = info.custom ? { error: undefined, unknown: unknownFields(patched, schema) } : decodeTyped(patched, schema);
  const shown = (): string => (smpPatch ? goMap(smpPatch) : sortedJson(patched));
  if (result.error) throw patchInvalid(shown(), result.error);
  const unknown = result.unknown.filter((p) => p !== '.stringData' || info.resource !== 'secrets');
  if (unknown.length > 0 && opts.fieldValidation === 'Strict') {
    throw patchInvalid(shown(), `strict decoding error: ${unknown.map((p) => `unknown field "${p.slice(1)}"`).join(', ')}`);
  }
  cluster.dropUnknown(patched, unknown, opts);
}
