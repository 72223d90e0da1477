// The ReplicaSet controller's status (pkg/controller/replicaset/replica_set_utils.go
// calculateStatus), with pretend pods: they exist at once and turn ready a delay later, unless
// an image tag ends in "broken".
import type { Obj, StoreEvent } from '../../contracts.ts';
import { hashOf, num, objAt, str } from '../util.ts';
import { isDeleting, omitZero, ownerRefs, type Runtime, Settling, templateBroken, uidOf } from './runtime.ts';

export class ReplicaSetController {
  private readonly settling = new Settling();

  constructor(private readonly rt: Runtime, private readonly onOwnerChange: (ns: string, owner: Obj) => void) {}

  onEvent(e: StoreEvent): void {
    if (e.resource.group !== 'apps' || e.resource.kind !== 'ReplicaSet') return;
    const ns = str(e.object, 'metadata', 'namespace') ?? '';
    const name = str(e.object, 'metadata', 'name') ?? '';
    if (e.type === 'DELETED') this.settling.forget(uidOf(e.object));
    else this.rt.enqueue(`rs/${ns}/${name}`, () => this.reconcile(ns, name));
    for (const ref of ownerRefs(e.object)) if (ref.controller === true) this.onOwnerChange(ns, ref);
  }

  private reconcile(ns: string, name: string): void {
    const info = this.rt.res('apps', 'ReplicaSet');
    const rs = info && this.rt.host.get(info, ns, name);
    if (!info || !rs || isDeleting(rs)) return;
    const desired = num(rs, 'spec', 'replicas') ?? 1;
    const template = objAt(rs, 'spec', 'template');
    const status = (rs.status as Obj | undefined) ?? {};
    const assumeDone = num(status, 'readyReplicas') === desired;
    const wait = this.settling.remaining(this.rt, uidOf(rs), hashOf(template), desired, assumeDone);
    const prevReady = Math.min(num(status, 'readyReplicas') ?? 0, desired);
    const ready = templateBroken(template) ? 0 : wait === 0 ? desired : prevReady;
    const next = omitZero({
      replicas: desired,
      fullyLabeledReplicas: desired,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: num(rs, 'metadata', 'generation') ?? 1,
    }, ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']);
    this.rt.writeStatus(info, rs, next);
    if (wait > 0 && !templateBroken(template)) this.rt.laterOnce(`rs/${ns}/${name}`, wait, () => this.rt.enqueue(`rs/${ns}/${name}`, () => this.reconcile(ns, name)));
  }
}
