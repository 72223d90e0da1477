// The garbage collector (pkg/controller/garbagecollector): dependents whose owners are all gone
// are deleted (background), owners deleted in the foreground wait for their dependents
// (finalizer foregroundDeletion), and orphaning owners release theirs first (finalizer orphan).
import type { Obj, ResourceInfo, StoreEvent } from '../../contracts.ts';
import { str } from '../util.ts';
import { finalizersOf, isDeleting, manager, ownedBy, ownerInfo, ownerRefs, type Runtime, uidOf } from './runtime.ts';

interface Ref {
  info: ResourceInfo;
  ns: string | undefined;
  name: string;
}

export class GarbageCollector {
  /** owner uid → dependents, kept from events so lookups never scan the store (the real GC's graph). */
  private readonly graph = new Map<string, Map<string, Ref>>();
  private readonly ownersOf = new Map<string, string[]>();

  constructor(private readonly rt: Runtime) {}

  private index(key: string, ref: Ref, owners: string[]): void {
    for (const uid of this.ownersOf.get(key) ?? []) {
      const deps = this.graph.get(uid);
      deps?.delete(key);
      if (deps?.size === 0) this.graph.delete(uid);
    }
    if (owners.length === 0) {
      this.ownersOf.delete(key);
      return;
    }
    this.ownersOf.set(key, owners);
    for (const uid of owners) {
      let deps = this.graph.get(uid);
      if (!deps) this.graph.set(uid, (deps = new Map()));
      deps.set(key, ref);
    }
  }

  onEvent(e: StoreEvent): void {
    const o = e.object;
    const ns = str(o, 'metadata', 'namespace');
    const name = str(o, 'metadata', 'name') ?? '';
    const ref: Ref = { info: e.resource, ns, name };
    const key = `${e.resource.group}/${e.resource.kind}/${ns ?? ''}/${name}`;
    this.index(key, ref, e.type === 'DELETED' ? [] : ownerRefs(o).map((r) => String(r.uid)));
    if (e.type !== 'DELETED' && ownerRefs(o).length > 0) this.rt.enqueue(`gc-item/${key}`, () => this.attemptToDelete(ref));
    if (e.type !== 'DELETED' && isDeleting(o) && finalizersOf(o).some((f) => f === 'orphan' || f === 'foregroundDeletion')) {
      this.rt.enqueue(`gc-owner/${key}`, () => this.processOwner(ref));
    }
    if (e.type === 'DELETED') {
      const uid = uidOf(o);
      this.rt.enqueue(`gc-gone/${uid}`, () => this.ownerGone(uid, e.resource.namespaced ? ns : undefined));
      // An owner waiting in the foreground may now be free.
      for (const r of ownerRefs(o)) {
        const info = ownerInfo(this.rt, r);
        if (!info) continue;
        const owner: Ref = { info, ns: info.namespaced ? ns : undefined, name: str(r, 'name') ?? '' };
        this.rt.enqueue(`gc-owner/${info.group}/${info.kind}/${owner.ns ?? ''}/${owner.name}`, () => this.processOwner(owner));
      }
    }
  }

  /** Every object that lists `uid` as an owner (namespaced owners only own within their namespace). */
  private dependents(uid: string, ns: string | undefined): Array<{ info: ResourceInfo; obj: Obj }> {
    const out: Array<{ info: ResourceInfo; obj: Obj }> = [];
    for (const ref of this.graph.get(uid)?.values() ?? []) {
      if (ns !== undefined && (!ref.info.namespaced || ref.ns !== ns)) continue;
      const obj = this.rt.host.get(ref.info, ref.ns, ref.name);
      if (obj && ownedBy(obj, uid)) out.push({ info: ref.info, obj });
    }
    return out;
  }

  private ownerGone(uid: string, ns: string | undefined): void {
    for (const { info, obj } of this.dependents(uid, ns)) {
      this.attemptToDelete({ info, ns: str(obj, 'metadata', 'namespace'), name: str(obj, 'metadata', 'name') ?? '' });
    }
  }

  /** attemptToDeleteItem: classify owners as solid, dangling or waiting for dependents. */
  private attemptToDelete(ref: Ref): void {
    const item = this.rt.host.get(ref.info, ref.ns, ref.name);
    if (!item || isDeleting(item)) return;
    const refs = ownerRefs(item);
    if (refs.length === 0) return;
    let solid = 0;
    const dangling: string[] = [];
    let waiting = 0;
    for (const r of refs) {
      const info = ownerInfo(this.rt, r);
      if (!info) {
        solid++; // an owner kind this server cannot resolve is left alone
        continue;
      }
      const owner = this.rt.host.get(info, info.namespaced ? ref.ns : undefined, str(r, 'name') ?? '');
      if (!owner || uidOf(owner) !== r.uid) dangling.push(String(r.uid));
      else if (isDeleting(owner) && finalizersOf(owner).includes('foregroundDeletion')) waiting++;
      else solid++;
    }
    if (solid === 0 && dangling.length + waiting > 0) {
      this.rt.host.delete(ref.info, ref.ns, ref.name, waiting > 0 ? 'Foreground' : 'Background');
    } else if (solid > 0 && dangling.length > 0) {
      const kept = refs.filter((r) => !dangling.includes(String(r.uid)));
      this.rt.host.update(ref.info, { ...item, metadata: { ...(item.metadata as Obj), ownerReferences: kept } }, manager);
    }
  }

  private processOwner(ref: Ref): void {
    const owner = this.rt.host.get(ref.info, ref.ns, ref.name);
    if (!owner || !isDeleting(owner)) return;
    const uid = uidOf(owner);
    const scope = ref.info.namespaced ? ref.ns : undefined;
    const finalizers = finalizersOf(owner);
    if (finalizers.includes('orphan')) {
      for (const { info, obj } of this.dependents(uid, scope)) {
        const kept = ownerRefs(obj).filter((r) => r.uid !== uid);
        const metadata = { ...(obj.metadata as Obj) };
        if (kept.length) metadata.ownerReferences = kept;
        else delete metadata.ownerReferences;
        this.rt.host.update(info, { ...obj, metadata }, manager);
      }
      this.rt.removeFinalizer(ref.info, this.rt.host.get(ref.info, ref.ns, ref.name) ?? owner, 'orphan');
      return;
    }
    if (finalizers.includes('foregroundDeletion')) {
      const deps = this.dependents(uid, scope);
      for (const { info, obj } of deps) {
        if (!isDeleting(obj)) this.rt.host.delete(info, str(obj, 'metadata', 'namespace'), str(obj, 'metadata', 'name') ?? '', 'Foreground');
      }
      if (deps.length === 0) this.rt.removeFinalizer(ref.info, owner, 'foregroundDeletion');
    }
  }
}
