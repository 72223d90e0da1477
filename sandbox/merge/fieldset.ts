/**
 * Sets of field paths as structured-merge-diff keeps them (fieldpath.Set), with the FieldsV1
 * encoding the API server stores in `metadata.managedFields[].fieldsV1`.
 *
 * A path element is kept in its serialized form: `f:<field>`, `k:<sorted key JSON>`,
 * `v:<value JSON>`, `i:<index>`; the encoding writes `.` for a path that is both a member and has
 * children.
 */
export type PathElement = string;
export type Path = PathElement[];

export class FieldSet {
  readonly members = new Set<PathElement>();
  readonly children = new Map<PathElement, FieldSet>();

  static fromPaths(paths: Path[]): FieldSet {
    const set = new FieldSet();
    for (const p of paths) set.insert(p);
    return set;
  }

  insert(path: Path): void {
    if (path.length === 0) return;
    const parent = path.slice(0, -1).reduce<FieldSet>((node, pe) => node.child(pe), this);
    parent.members.add(path[path.length - 1]!);
  }

  /** The child set for `pe`, created when missing. */
  child(pe: PathElement): FieldSet {
    let next = this.children.get(pe);
    if (!next) {
      next = new FieldSet();
      this.children.set(pe, next);
    }
    return next;
  }

  has(path: Path): boolean {
    if (path.length === 0) return false;
    const parent = path.slice(0, -1).reduce<FieldSet | undefined>((node, pe) => node?.children.get(pe), this);
    return !!parent && parent.members.has(path[path.length - 1]!);
  }

  /** Paths under `pe` (fieldpath.Set.WithPrefix). */
  withPrefix(pe: PathElement): FieldSet | undefined {
    return this.children.get(pe);
  }

  empty(): boolean {
    if (this.members.size > 0) return false;
    for (const c of this.children.values()) if (!c.empty()) return false;
    return true;
  }

  union(other: FieldSet): FieldSet {
    const out = this.clone();
    out.addAll(other);
    return out;
  }

  private addAll(other: FieldSet): void {
    for (const m of other.members) this.members.add(m);
    for (const [pe, c] of other.children) this.child(pe).addAll(c);
  }

  difference(other: FieldSet | undefined): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!other?.members.has(m)) out.members.add(m);
    for (const [pe, c] of this.children) {
      const d = c.difference(other?.children.get(pe));
      if (!d.empty()) out.children.set(pe, d);
    }
    return out;
  }

  intersection(other: FieldSet | undefined): FieldSet {
    const out = new FieldSet();
    if (!other) return out;
    // Walk the smaller side: ownership sets are large, the changes they are intersected with small.
    const [small, large] = this.members.size <= other.members.size ? [this, other] : [other, this];
    for (const m of small.members) if (large.members.has(m)) out.members.add(m);
    const [fewer, more] = this.children.size <= other.children.size ? [this, other] : [other, this];
    for (const [pe, c] of fewer.children) {
      const o = more.children.get(pe);
      if (!o) continue;
      const i = c.intersection(o);
      if (!i.empty()) out.children.set(pe, i);
    }
    return out;
  }

  clone(): FieldSet {
    const out = new FieldSet();
    out.addAll(this);
    return out;
  }

  /** Every member path: this level's members first, then children, each in element order (Set.Iterate). */
  paths(prefix: Path = []): Path[] {
    const out: Path[] = [];
    for (const m of sortElements([...this.members])) out.push([...prefix, m]);
    for (const pe of sortElements([...this.children.keys()])) out.push(...this.children.get(pe)!.paths([...prefix, pe]));
    return out;
  }

  equals(other: FieldSet): boolean {
    return this.difference(other).empty() && other.difference(this).empty();
  }

  /** FieldsV1 JSON (as stored in managedFields). */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const keys = sortElements([...new Set([...this.members, ...this.children.keys()])]);
    for (const pe of keys) {
      const child = this.children.get(pe);
      const encoded = child && !child.empty() ? child.toFieldsV1() : {};
      out[pe] = this.members.has(pe) && Object.keys(encoded).length > 0 ? { '.': {}, ...encoded } : encoded;
    }
    return out;
  }

  static fromFieldsV1(json: unknown): FieldSet {
    const set = new FieldSet();
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return set;
    for (const [pe, value] of Object.entries(json as Record<string, unknown>)) {
      if (pe === '.') continue;
      const inner = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
      const keys = Object.keys(inner);
      if (keys.length === 0 || '.' in inner) set.members.add(pe);
      if (keys.some((k) => k !== '.')) set.children.set(pe, FieldSet.fromFieldsV1(inner));
    }
    return set;
  }
}

const KIND_ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** structured-merge-diff order: field names, then keys, then values, then indices. */
export function sortElements(pes: PathElement[]): PathElement[] {
  return pes.sort((a, b) => {
    const ka = KIND_ORDER[a[0]!] ?? 9;
    const kb = KIND_ORDER[b[0]!] ?? 9;
    if (ka !== kb) return ka - kb;
    if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

export function fieldPE(name: string): PathElement {
  return `f:${name}`;
}

/** Key element of a list-map item: key fields in sorted order, JSON-encoded. */
export function keyPE(fields: Record<string, unknown>): PathElement {
  const sorted = Object.keys(fields).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(fields[k])}`);
  return `k:{${sorted.join(',')}}`;
}

export function valuePE(value: unknown): PathElement {
  return `v:${JSON.stringify(value)}`;
}

export function indexPE(index: number): PathElement {
  return `i:${index}`;
}

/** Go's %q for the value kinds that appear in keys (strings quoted, numbers and booleans bare). */
function goString(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A path as structured-merge-diff prints it in conflicts: `.spec.containers[name="nginx"].image`. */
export function pathString(path: Path): string {
  return path
    .map((pe) => {
      const body = pe.slice(2);
      switch (pe[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const key = JSON.parse(body) as Record<string, unknown>;
          return `[${Object.keys(key).map((k) => `${k}=${goString(key[k])}`).join(',')}]`;
        }
        case 'v':
          return `[=${goString(JSON.parse(body))}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}
