import { ApiError, type SchemaNode } from '../contracts.ts';
import { FieldSet, fieldPE, pathString, type Path, type PathElement } from './fieldset.ts';
import { clone, deepEqual, emptyContainer, fieldSchema, isDeclared, isObj, itemPE, kindOf, listType, mapAtomic, type Plain } from './schema-walk.ts';

/**
 * Ports of structured-merge-diff's typed walkers (typed/tofieldset.go, compare.go, merge.go,
 * remove.go) over plain JSON values and SchemaNodes. `undefined` is an absent value (Go nil);
 * a schema of `undefined` is a deduced type: granular maps, atomic lists.
 */

/** Fields set in `value` (TypedValue.ToFieldSet). */
export function toFieldSet(value: unknown, schema: SchemaNode | undefined): FieldSet {
  const set = new FieldSet();
  walkFieldSet(value, schema, [], set);
  return set;
}

function walkFieldSet(value: unknown, schema: SchemaNode | undefined, path: Path, set: FieldSet): void {
  const kind = kindOf(value);
  if (kind === 'scalar') {
    set.insert(path);
  } else if (kind === 'list') {
    if (listType(schema) === 'atomic') return set.insert(path);
    const where = () => pathString(path);
    (value as unknown[]).forEach((item, i) => {
      const child = [...path, itemPE(schema, item, i, where)];
      walkFieldSet(item, schema?.items, child, set);
      set.insert(child);
    });
  } else {
    if (mapAtomic(schema)) return set.insert(path);
    for (const [key, child] of Object.entries(value as Plain)) {
      if (child === undefined) continue;
      const childPath = [...path, fieldPE(key)];
      walkFieldSet(child, fieldSchema(schema, key), childPath, set);
      if (child === null || (isObj(child) && Object.keys(child).length === 0) || !isDeclared(schema, key)) set.insert(childPath);
    }
  }
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** What changed from `lhs` to `rhs` (TypedValue.Compare). */
export function compare(lhs: unknown, rhs: unknown, schema: SchemaNode | undefined): Comparison {
  const out: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareAt(lhs, rhs, schema, [], out);
  return out;
}

function leaf(lhs: unknown, rhs: unknown, path: Path, out: Comparison): void {
  if (lhs === undefined) out.added.insert(path);
  else if (rhs === undefined) out.removed.insert(path);
  else if (!deepEqual(lhs, rhs)) out.modified.insert(path);
}

function compareAt(lhs: unknown, rhs: unknown, schema: SchemaNode | undefined, path: Path, out: Comparison): void {
  // One subtree on both sides (a status write shares spec with the stored object) has no changes.
  if (lhs === rhs && lhs !== undefined) return;
  const [kl, kr] = kinds(lhs, rhs);
  const kind = kr ?? kl;
  let inLeaf = false;
  if (kl && kr && kl !== kr) {
    leaf(lhs, rhs, path, out);
    inLeaf = true;
  } else if (kind === 'scalar') {
    leaf(lhs, rhs, path, out);
    inLeaf = true;
  } else if (kind === 'list') {
    if (listType(schema) === 'atomic' || (emptyContainer(lhs) && emptyContainer(rhs))) {
      leaf(lhs, rhs, path, out);
      inLeaf = true;
    } else {
      compareLists(Array.isArray(lhs) ? lhs : [], Array.isArray(rhs) ? rhs : [], schema, path, out);
    }
  } else if (mapAtomic(schema) || (emptyContainer(lhs) && emptyContainer(rhs))) {
    leaf(lhs, rhs, path, out);
    inLeaf = true;
  } else {
    const l = isObj(lhs) ? lhs : {};
    const r = isObj(rhs) ? rhs : {};
    for (const key of new Set([...Object.keys(l), ...Object.keys(r)])) {
      if (l[key] === undefined && r[key] === undefined) continue;
      compareAt(l[key], r[key], fieldSchema(schema, key), [...path, fieldPE(key)], out);
    }
  }
  if (!inLeaf) {
    if (lhs === undefined) out.added.insert(path);
    else if (rhs === undefined) out.removed.insert(path);
  }
}

/**
 * Kinds of both sides; a null facing a list or map counts as an empty one of that kind, as
 * structured-merge-diff deduces the atom from the schema (Go's non-omitempty nil slices and maps).
 */
function kinds(lhs: unknown, rhs: unknown): [ReturnType<typeof kindOf> | undefined, ReturnType<typeof kindOf> | undefined] {
  let kl = lhs === undefined ? undefined : kindOf(lhs);
  let kr = rhs === undefined ? undefined : kindOf(rhs);
  if (lhs === null && kr && kr !== 'scalar') kl = kr;
  if (rhs === null && kl && kl !== 'scalar') kr = kl;
  return [kl, kr];
}

/** Items grouped by path element, in first-seen order (duplicates kept together). */
function indexItems(list: unknown[], schema: SchemaNode | undefined, path: Path): Map<PathElement, unknown[]> {
  const where = () => pathString(path);
  const out = new Map<PathElement, unknown[]>();
  list.forEach((item, i) => {
    const pe = itemPE(schema, item, i, where);
    const seen = out.get(pe);
    if (seen) seen.push(item);
    else out.set(pe, [item]);
  });
  return out;
}

function compareLists(lhs: unknown[], rhs: unknown[], schema: SchemaNode | undefined, path: Path, out: Comparison): void {
  const l = indexItems(lhs, schema, path);
  const r = indexItems(rhs, schema, path);
  for (const pe of new Set([...l.keys(), ...r.keys()])) {
    const lList = l.get(pe) ?? [];
    const rList = r.get(pe) ?? [];
    const child = [...path, pe];
    if (lList.length <= 1 && rList.length <= 1) compareAt(lList[0], rList[0], schema?.items, child, out);
    else if (lList.length >= 2 && rList.length >= 2) {
      if (!deepEqual(lList, rList)) out.modified.insert(child);
    } else if (lList.length >= 2) {
      if (rList.length) compareAt(undefined, rList[0], schema?.items, child, out);
      out.removed.insert(child);
    } else {
      if (lList.length) compareAt(lList[0], undefined, schema?.items, child, out);
      out.added.insert(child);
    }
  }
}

/** `rhs` merged into `lhs` (TypedValue.Merge): rhs wins on leaves, granular maps and lists merge. */
export function merge(lhs: unknown, rhs: unknown, schema: SchemaNode | undefined, path: Path = []): unknown {
  if (rhs === undefined) return clone(lhs);
  if (lhs === undefined) {
    validate(rhs, schema, path);
    return clone(rhs);
  }
  const [kl, kind] = kinds(lhs, rhs);
  if (kind !== kl || kind === 'scalar') return clone(rhs);
  if (kind === 'list') {
    if (listType(schema) === 'atomic' || (emptyContainer(lhs) && emptyContainer(rhs))) return clone(rhs);
    if (rhs === null || lhs === null) return clone(rhs === null ? lhs : rhs);
    return mergeLists(lhs as unknown[], rhs as unknown[], schema, path);
  }
  if (mapAtomic(schema) || (emptyContainer(lhs) && emptyContainer(rhs))) return clone(rhs);
  if (rhs === null || lhs === null) return clone(rhs === null ? lhs : rhs);
  const l = lhs as Plain;
  const r = rhs as Plain;
  const out: Plain = {};
  for (const key of new Set([...Object.keys(l), ...Object.keys(r)])) {
    const v = merge(l[key], r[key], fieldSchema(schema, key), [...path, fieldPE(key)]);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** Key errors and duplicates anywhere in a value that is merged in whole. */
function validate(value: unknown, schema: SchemaNode | undefined, path: Path): void {
  if (Array.isArray(value)) {
    if (listType(schema) === 'atomic') return;
    for (const [pe, items] of indexItems(value, schema, path)) {
      if (items.length > 1) throw new ApiError(500, 'InternalError', `${pathString(path)}: duplicate entries for key ${pathString([pe])}`);
      validate(items[0], schema?.items, [...path, pe]);
    }
  } else if (isObj(value) && !mapAtomic(schema)) {
    for (const [key, child] of Object.entries(value)) validate(child, fieldSchema(schema, key), [...path, fieldPE(key)]);
  }
}


/** Merges list items by key keeping the live order and placing new items as merge.go does. */
function mergeLists(lhs: unknown[], rhs: unknown[], schema: SchemaNode | undefined, path: Path): unknown[] {
  const where = () => pathString(path);
  const lPEs = lhs.map((item, i) => itemPE(schema, item, i, where));
  const rPEs = rhs.map((item, i) => itemPE(schema, item, i, where));
  const seen = new Set<PathElement>();
  for (const pe of rPEs) {
    if (seen.has(pe)) throw new ApiError(500, 'InternalError', `${pathString(path)}: duplicate entries for key ${pathString([pe])}`);
    seen.add(pe);
  }
  const lObserved = new Map<PathElement, unknown>();
  lPEs.forEach((pe, i) => lObserved.set(pe, lObserved.has(pe) ? null : lhs[i]));
  const rObserved = new Map<PathElement, unknown>(rPEs.map((pe, i) => [pe, rhs[i]]));
  const shared = rPEs.filter((pe) => lObserved.has(pe));
  let nextShared = shared.shift();
  const mergedRHS = new Set<PathElement>();
  const out: unknown[] = [];
  const push = (pe: PathElement, l: unknown, r: unknown) => {
    const v = merge(l, r, schema?.items, [...path, pe]);
    if (v !== undefined) out.push(v);
  };
  for (let lI = 0, rI = 0; lI < lPEs.length || rI < rPEs.length; ) {
    if (lI < lPEs.length && rI < rPEs.length) {
      const pe = lPEs[lI]!;
      if (pe === rPEs[rI]) {
        mergedRHS.add(pe);
        push(pe, lObserved.get(pe), rObserved.get(pe));
        lI++;
        rI++;
        nextShared = shared.shift();
        continue;
      }
      if (rObserved.has(pe) && nextShared !== undefined && nextShared !== pe) {
        lI++;
        continue;
      }
    }
    if (lI < lPEs.length) {
      const pe = lPEs[lI]!;
      if (!rObserved.has(pe)) {
        push(pe, lhs[lI], undefined);
        lI++;
        continue;
      } else if (mergedRHS.has(pe)) {
        lI++;
      }
    }
    if (rI < rPEs.length) {
      const pe = rPEs[rI]!;
      mergedRHS.add(pe);
      push(pe, lObserved.get(pe), rObserved.get(pe));
      rI++;
      if (nextShared !== undefined && nextShared === pe) nextShared = shared.shift();
    }
  }
  return out;
}

/** `value` without the members of `set` (TypedValue.RemoveItems); emptied containers disappear. */
export function removeItems(value: unknown, set: FieldSet | undefined, schema: SchemaNode | undefined, path: Path = []): unknown {
  if (!set || set.empty()) return value;
  if (Array.isArray(value)) {
    if (value.length === 0 || listType(schema) === 'atomic') return value;
    const where = () => pathString(path);
    const items: unknown[] = [];
    value.forEach((item, i) => {
      const pe = itemPE(schema, item, i, where);
      if (set.has([pe])) return;
      const sub = set.withPrefix(pe);
      const kept = sub && !sub.empty() ? removeItems(item, sub, schema?.items, [...path, pe]) : item;
      if (kept !== undefined) items.push(kept);
    });
    return items.length > 0 ? items : undefined;
  }
  if (!isObj(value) || Object.keys(value).length === 0 || mapAtomic(schema)) return value;
  const out: Plain = {};
  for (const [key, child] of Object.entries(value)) {
    const pe = fieldPE(key);
    if (set.has([pe])) continue;
    const sub = set.withPrefix(pe);
    const kept = sub && !sub.empty() ? removeItems(child, sub, fieldSchema(schema, key), [...path, pe]) : child;
    if (kept !== undefined) out[key] = kept;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Adds declared struct fields that have children as members too (Set.EnsureNamedFieldsAreMembers). */
export function ensureNamedFieldsAreMembers(set: FieldSet, schema: SchemaNode | undefined): FieldSet {
  const out = new FieldSet();
  for (const m of set.members) out.members.add(m);
  for (const [pe, child] of set.children) {
    let childSchema: SchemaNode | undefined;
    if (pe.startsWith('f:')) {
      const name = pe.slice(2);
      if (isDeclared(schema, name)) out.members.add(pe);
      childSchema = fieldSchema(schema, name);
    } else {
      childSchema = schema?.items;
    }
    out.children.set(pe, ensureNamedFieldsAreMembers(child, childSchema));
  }
  return out;
}
