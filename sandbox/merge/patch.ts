import { ApiError, type Obj } from '../contracts.ts';
import { clone, deepEqual, isObj } from './schema-walk.ts';

/**
 * JSON patch (RFC 6902) and JSON merge patch (RFC 7386) with the API server's error shapes:
 * an undecodable patch is 400; an operation that does not apply is 422 Invalid with the
 * evanphx/json-patch message as an `UnexpectedServerResponse` cause (patch.go, applyJSPatch).
 */

export interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function notApplicable(detail: string): ApiError {
  return new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
    causes: [{ reason: 'UnexpectedServerResponse', message: detail }],
  });
}

function decodePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Obj | unknown[];

/** The parent container of `pointer` and its last token, or undefined when the parent is missing. */
function locate(doc: { root: unknown }, pointer: string): { parent: Container | { root: unknown }; key: string } | undefined {
  const tokens = decodePointer(pointer);
  if (!tokens) return undefined;
  if (tokens.length === 0) return { parent: doc, key: 'root' };
  let node: unknown = doc.root;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = /^\d+$/.test(t) ? node[Number(t)] : undefined;
    else if (isObj(node)) node = node[t];
    else return undefined;
    if (node === undefined) return undefined;
  }
  if (!Array.isArray(node) && !isObj(node)) return undefined;
  return { parent: node, key: tokens[tokens.length - 1]! };
}

function getAt(parent: Container | { root: unknown }, key: string): unknown {
  if (Array.isArray(parent)) return /^\d+$/.test(key) ? parent[Number(key)] : undefined;
  return (parent as Obj)[key];
}

function arrayIndex(key: string, length: number, allowEnd: boolean): number {
  if (key === '-' && allowEnd) return length;
  if (!/^-?\d+$/.test(key)) throw new Error(`value was not a proper array index: '${key}': strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`);
  const idx = Number(key);
  if (idx < 0 || idx > (allowEnd ? length : length - 1)) throw new Error(`Unable to access invalid index: ${idx}: invalid index referenced`);
  return idx;
}

function addAt(parent: Container | { root: unknown }, key: string, value: unknown): void {
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, true), 0, value);
  else (parent as Obj)[key] = value;
}

function removeAt(parent: Container | { root: unknown }, key: string): unknown {
  if (Array.isArray(parent)) return parent.splice(arrayIndex(key, parent.length, false), 1)[0];
  const obj = parent as Obj;
  if (!(key in obj)) throw new Error(`Unable to remove nonexistent key: ${key}: missing value`);
  const old = obj[key];
  delete obj[key];
  return old;
}

function parseOps(ops: unknown): JsonPatchOp[] {
  if (!Array.isArray(ops)) throw new ApiError(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  return ops.map((op) => {
    if (!isObj(op)) throw new ApiError(400, 'BadRequest', 'json: cannot unmarshal into Go value of type jsonpatch.Operation');
    return op as unknown as JsonPatchOp;
  });
}

/** Applies RFC 6902 operations to a copy of `obj`. */
export function jsonPatch(obj: Obj, ops: unknown): Obj {
  const doc = { root: clone(obj) as unknown };
  for (const op of parseOps(ops)) {
    const path = op.path;
    if (typeof path !== 'string') throw notApplicable(`operation missing path field: missing value`);
    const at = locate(doc, path);
    switch (op.op) {
      case 'add': {
        if (!('value' in op)) throw notApplicable('operation, missing value field: missing value');
        if (!at) throw notApplicable(`add operation does not apply: doc is missing path: "${path}": missing value`);
        wrap(`error in add for path: '${path}'`, () => addAt(at.parent, at.key, clone(op.value)));
        break;
      }
      case 'remove': {
        if (!at) throw notApplicable(`remove operation does not apply: doc is missing path: "${path}": missing value`);
        wrap(`error in remove for path: '${path}'`, () => removeAt(at.parent, at.key));
        break;
      }
      case 'replace': {
        if (!('value' in op)) throw notApplicable('operation, missing value field: missing value');
        if (!at) throw notApplicable(`replace operation does not apply: doc is missing path: ${path}: missing value`);
        if (getAt(at.parent, at.key) === undefined) throw notApplicable(`replace operation does not apply: doc is missing key: ${path}: missing value`);
        if (Array.isArray(at.parent)) at.parent[arrayIndex(at.key, at.parent.length, false)] = clone(op.value);
        else (at.parent as Obj)[at.key] = clone(op.value);
        break;
      }
      case 'move':
      case 'copy': {
        const fromPath = op.from;
        if (typeof fromPath !== 'string') throw notApplicable('operation, missing from field: missing value');
        const from = locate(doc, fromPath);
        if (!from || getAt(from.parent, from.key) === undefined) throw notApplicable(`${op.op} operation does not apply: doc is missing from path: ${fromPath}: missing value`);
        const value = op.op === 'move' ? wrap(`error in move for path: '${fromPath}'`, () => removeAt(from.parent, from.key)) : clone(getAt(from.parent, from.key));
        const to = locate(doc, path);
        if (!to) throw notApplicable(`${op.op} operation does not apply: doc is missing destination path: ${path}: missing value`);
        wrap(`error in ${op.op} for path: '${path}'`, () => addAt(to.parent, to.key, value));
        break;
      }
      case 'test': {
        if (!at) throw notApplicable(`test operation does not apply: is missing path: ${path}: missing value`);
        const current = getAt(at.parent, at.key);
        const expected = op.value ?? null;
        if (!(current === undefined && expected === null) && !deepEqual(current ?? null, expected)) {
          throw notApplicable(`testing value ${path} failed: test failed`);
        }
        break;
      }
      default:
        throw notApplicable(`Unexpected kind: ${String(op.op)}`);
    }
  }
  if (!isObj(doc.root)) throw new ApiError(400, 'BadRequest', 'the patched object is not a JSON object');
  return doc.root;
}

function wrap<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw notApplicable(`${prefix}: ${(err as Error).message}`);
  }
}

/** RFC 7386: objects merge recursively, null deletes, everything else replaces. */
export function mergePatch(obj: Obj, patch: unknown): Obj {
  if (!isObj(patch)) throw new ApiError(400, 'BadRequest', 'Invalid JSON Patch');
  return applyMerge(obj, patch) as Obj;
}

function applyMerge(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMerge(out[key], value);
  }
  return out;
}
