// The ReplicaSet controller (pkg/controller/replicaset/replica_set.go manageReplicas and
// replica_set_utils.go calculateStatus): it creates and deletes Pods to match spec.replicas, and
// its status counts the Pods it saw — replicas, fully labelled, ready, available after minReadySeconds.
import type { Obj, ResourceInfo, StoreEvent } from '../../contracts.ts';
import { ApiError } from '../../contracts.ts';
import { labelsOf, listAt, num, objAt, str } from '../util.ts';
import { createPod, deletePod, deletionOrder, generatedName, ownedPods, podActive, podAvailable, podReady } from './podutil.ts';
import { isDeleting, omitZero, ownerRefs, type Runtime, uidOf } from './runtime.ts';

const source = { component: 'replicaset-controller' };

export class ReplicaSetController {
  constructor(private readonly rt: Runtime, private readonly onOwnerChange: (ns: string, owner: Obj) => void) {}

  onEvent(e: StoreEvent): void {
    const ns = str(e.object, 'metadata', 'namespace') ?? '';
    if (e.resource.group === '' && e.resource.kind === 'Pod') {
      for (const ref of ownerRefs(e.object)) if (ref.controller === true && ref.kind === 'ReplicaSet' && typeof ref.name === 'string') this.queue(ns, ref.name);
      return;
    }
    if (e.resource.group !== 'apps' || e.resource.kind !== 'ReplicaSet') return;
    const name = str(e.object, 'metadata', 'name') ?? '';
    if (e.type !== 'DELETED') this.queue(ns, name);
    for (const ref of ownerRefs(e.object)) if (ref.controller === true) this.onOwnerChange(ns, ref);
  }

  private queue(ns: string, name: string): void {
    this.rt.enqueue(`rs/${ns}/${name}`, () => this.reconcile(ns, name));
  }

  private reconcile(ns: string, name: string): void {
    const info = this.rt.res('apps', 'ReplicaSet');
    const rs = info && this.rt.host.get(info, ns, name);
    if (!info || !rs || isDeleting(rs)) return;
    const desired = num(rs, 'spec', 'replicas') ?? 1;
    const active = ownedPods(this.rt, ns, uidOf(rs)).filter(podActive);
    const failure = this.manage(info, rs, active, desired);
    const minReady = num(rs, 'spec', 'minReadySeconds') ?? 0;
    let wake: number | undefined;
    const now = this.rt.nowMs();
    const templateLabels = (objAt(rs, 'spec', 'template', 'metadata', 'labels') ?? {}) as Record<string, string>;
    const fullyLabeled = active.filter((p) => {
      const l = labelsOf(p);
      return Object.entries(templateLabels).every(([k, v]) => l[k] === v);
    }).length;
    const status: Obj = omitZero({
      replicas: active.length,
      fullyLabeledReplicas: fullyLabeled,
      readyReplicas: active.filter(podReady).length,
      availableReplicas: active.filter((p) => podAvailable(p, minReady, now, (ms) => { wake = Math.min(wake ?? ms, ms); })).length,
      observedGeneration: num(rs, 'metadata', 'generation') ?? 1,
    }, ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']);
    if (failure) {
      // calculateStatus keeps an existing ReplicaFailure condition, so retries do not rewrite the status.
      const existing = listAt(rs, 'status', 'conditions').find((c) => c.type === 'ReplicaFailure');
      status.conditions = [existing ?? { type: 'ReplicaFailure', status: 'True', lastTransitionTime: this.rt.now(), reason: 'FailedCreate', message: failure }];
    }
    this.rt.writeStatus(info, rs, status);
    if (wake !== undefined) this.rt.laterOnce(`rs-ready/${ns}/${name}`, wake, () => this.queue(ns, name));
  }

  /** manageReplicas: returns the create error, if any. */
  private manage(info: ResourceInfo, rs: Obj, active: Obj[], desired: number): string | undefined {
    const diff = active.length - desired;
    const rsName = str(rs, 'metadata', 'name') ?? '';
    if (diff < 0) {
      for (let i = 0; i < -diff; i++) {
        const podName = generatedName(`${rsName}-`);
        try {
          createPod(this.rt, info, rs, objAt(rs, 'spec', 'template'), podName);
          this.rt.events.record(info, rs, 'Normal', 'SuccessfulCreate', `Created pod: ${podName}`, source);
        } catch (err) {
          if (!(err instanceof ApiError) || err.status === 409) throw err;
          const message = `Error creating: ${err.message}`;
          this.rt.events.record(info, rs, 'Warning', 'FailedCreate', message, source);
          return message;
        }
      }
    } else if (diff > 0) {
      for (const p of [...active].sort(deletionOrder).slice(0, diff)) {
        deletePod(this.rt, p);
        this.rt.events.record(info, rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${str(p, 'metadata', 'name') ?? ''}`, source);
      }
    }
    return undefined;
  }
}
