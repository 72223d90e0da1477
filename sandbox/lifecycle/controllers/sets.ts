// StatefulSet and DaemonSet status with pretend pods (pkg/controller/statefulset
// stateful_set_control.go and pkg/controller/daemon/daemon_controller.go updateDaemonSetStatus).
// A DaemonSet runs on one pretend node.
import type { Obj, ResourceInfo, StoreEvent } from '../../contracts.ts';
import { hashOf, num, objAt, str } from '../util.ts';
import { controllerRef, isDeleting, manager, omitZero, ownedBy, type Runtime, Settling, templateBroken, uidOf } from './runtime.ts';

export class SetController {
  private readonly settling = new Settling();

  constructor(private readonly rt: Runtime) {}

  onEvent(e: StoreEvent): void {
    const { group, kind } = e.resource;
    if (group !== 'apps' || (kind !== 'StatefulSet' && kind !== 'DaemonSet')) return;
    if (e.type === 'DELETED') {
      this.settling.forget(uidOf(e.object));
      return;
    }
    this.queue(e.resource, str(e.object, 'metadata', 'namespace') ?? '', str(e.object, 'metadata', 'name') ?? '');
  }

  private queue(info: ResourceInfo, ns: string, name: string): void {
    const key = `${info.kind}/${ns}/${name}`;
    this.rt.enqueue(key, () => {
      const o = this.rt.host.get(info, ns, name);
      if (!o || isDeleting(o)) return;
      const wait = info.kind === 'StatefulSet' ? this.statefulSet(info, o) : this.daemonSet(info, o);
      if (wait > 0) this.rt.laterOnce(key, wait, () => this.queue(info, ns, name));
    });
  }

  /** Returns how long until the next change is due. */
  private statefulSet(info: ResourceInfo, o: Obj): number {
    const desired = num(o, 'spec', 'replicas') ?? 1;
    const template = objAt(o, 'spec', 'template');
    const hash = hashOf(template);
    const updateRevision = `${str(o, 'metadata', 'name')}-${hash}`;
    const status = (o.status as Obj | undefined) ?? {};
    const assumeDone = str(status, 'currentRevision') === updateRevision && num(status, 'readyReplicas') === desired;
    const wait = this.settling.remaining(this.rt, uidOf(o), updateRevision, desired, assumeDone);
    const broken = templateBroken(template);
    const previous = str(status, 'currentRevision');
    let current = previous ?? updateRevision;
    let updated: number;
    let ready: number;
    let currentReplicas: number;
    let replicas = desired;
    if (broken) {
      // OrderedReady stops at the first pod that never becomes ready.
      const fresh = current === updateRevision;
      const parallel = str(o, 'spec', 'podManagementPolicy') === 'Parallel';
      replicas = fresh && !parallel ? Math.min(1, desired) : desired;
      updated = fresh ? replicas : Math.min(1, desired);
      ready = fresh ? 0 : desired - updated;
      currentReplicas = fresh ? replicas : desired - updated;
    } else if (wait === 0) {
      current = updateRevision;
      updated = desired;
      ready = desired;
      currentReplicas = desired;
    } else {
      const rolling = current !== updateRevision;
      updated = rolling ? 0 : desired;
      ready = Math.min(num(status, 'readyReplicas') ?? 0, desired);
      currentReplicas = desired;
    }
    this.ensureRevision(info, o, hash, 'controller.kubernetes.io/hash', [current, updateRevision]);
    const next = omitZero({
      observedGeneration: num(o, 'metadata', 'generation') ?? 1,
      replicas,
      readyReplicas: ready,
      currentReplicas,
      updatedReplicas: updated,
      currentRevision: current,
      updateRevision,
      collisionCount: num(status, 'collisionCount') ?? 0,
      availableReplicas: ready,
    }, ['readyReplicas', 'currentReplicas', 'updatedReplicas']);
    this.rt.writeStatus(info, o, next);
    return broken ? 0 : wait;
  }

  private daemonSet(info: ResourceInfo, o: Obj): number {
    const template = objAt(o, 'spec', 'template');
    const status = (o.status as Obj | undefined) ?? {};
    const assumeDone = num(status, 'numberReady') === 1 && num(status, 'observedGeneration') === num(o, 'metadata', 'generation');
    const wait = this.settling.remaining(this.rt, uidOf(o), hashOf(template), 1, assumeDone);
    const ready = !templateBroken(template) && wait === 0 ? 1 : 0;
    this.ensureRevision(info, o, hashOf(template), 'controller-revision-hash', [`${str(o, 'metadata', 'name')}-${hashOf(template)}`]);
    const next = omitZero({
      currentNumberScheduled: 1,
      desiredNumberScheduled: 1,
      numberMisscheduled: 0,
      numberReady: ready,
      numberAvailable: ready,
      numberUnavailable: 1 - ready,
      updatedNumberScheduled: 1,
      observedGeneration: num(o, 'metadata', 'generation') ?? 1,
    }, ['numberAvailable', 'numberUnavailable', 'updatedNumberScheduled']);
    this.rt.writeStatus(info, o, next);
    return templateBroken(template) ? 0 : wait;
  }

  /**
   * The ControllerRevision history `kubectl rollout history|undo` reads: one per template, named
   * like the revision, trimmed to revisionHistoryLimit (the live revisions always stay).
   */
  private ensureRevision(info: ResourceInfo, o: Obj, hash: string, hashLabel: string, live: string[]): void {
    const crInfo = this.rt.res('apps', 'ControllerRevision');
    if (!crInfo) return;
    const ns = str(o, 'metadata', 'namespace');
    const name = `${str(o, 'metadata', 'name')}-${hash}`;
    const owned = this.rt.host.list(crInfo, ns).filter((cr) => ownedBy(cr, uidOf(o)));
    if (!owned.some((cr) => str(cr, 'metadata', 'name') === name)) {
      const template = objAt(o, 'spec', 'template') ?? {};
      const labels = { ...((objAt(template, 'metadata', 'labels') ?? {}) as Obj), [hashLabel]: hash };
      const revision = Math.max(0, ...owned.map((cr) => num(cr, 'revision') ?? 0)) + 1;
      owned.push(this.rt.host.create(crInfo, {
        apiVersion: 'apps/v1', kind: 'ControllerRevision',
        metadata: { name, namespace: ns, labels, ownerReferences: [controllerRef(info, o)] },
        data: { spec: { template: { ...template, $patch: 'replace' } } },
        revision,
      }, manager));
    }
    const limit = num(o, 'spec', 'revisionHistoryLimit') ?? 10;
    const old = owned.filter((cr) => !live.includes(str(cr, 'metadata', 'name') ?? '')).sort((a, b) => (num(a, 'revision') ?? 0) - (num(b, 'revision') ?? 0));
    for (const cr of old.slice(0, Math.max(0, old.length - limit))) this.rt.host.delete(crInfo, ns, str(cr, 'metadata', 'name') ?? '');
  }
}
