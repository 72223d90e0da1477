// The Deployment controller, after pkg/controller/deployment (sync.go getNewReplicaSet and
// calculateStatus, progress.go syncRolloutStatus, util/deployment_util.go): one ReplicaSet per
// template (pod-template-hash), revision annotations, and exactly the real status and conditions.
import type { Obj, ResourceInfo, StoreEvent } from '../../contracts.ts';
import { clone, deepEqual, hashOf, isObj, num, objAt, scaled, str } from '../util.ts';
import { controllerRef, isDeleting, manager, omitZero, ownedBy, type Runtime, uidOf } from './runtime.ts';

const revisionKey = 'deployment.kubernetes.io/revision';
const desiredKey = 'deployment.kubernetes.io/desired-replicas';
const maxKey = 'deployment.kubernetes.io/max-replicas';
const notCopied = new Set(['kubectl.kubernetes.io/last-applied-configuration', revisionKey, desiredKey, maxKey, 'deployment.kubernetes.io/revision-history']);

function annotations(o: Obj): Record<string, string> {
  return { ...((objAt(o, 'metadata', 'annotations') ?? {}) as Record<string, string>) };
}

function revisionOf(rs: Obj): number {
  return Number(annotations(rs)[revisionKey] ?? 0) || 0;
}

/** SetDeploymentCondition: same status and reason is a no-op; otherwise the condition moves last. */
function setCondition(conds: Obj[], c: Obj): Obj[] {
  const cur = conds.find((x) => x.type === c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return conds;
  if (cur && cur.status === c.status) c.lastTransitionTime = cur.lastTransitionTime;
  return [...conds.filter((x) => x.type !== c.type), c];
}

export class DeploymentController {
  constructor(private readonly rt: Runtime) {}

  onEvent(e: StoreEvent): void {
    if (e.resource.group !== 'apps' || e.resource.kind !== 'Deployment' || e.type === 'DELETED') return;
    this.queue(str(e.object, 'metadata', 'namespace') ?? '', str(e.object, 'metadata', 'name') ?? '');
  }

  /** A ReplicaSet changed: its controlling Deployment recomputes status. */
  ownerChanged(ns: string, ref: Obj): void {
    if (ref.kind === 'Deployment' && typeof ref.name === 'string') this.queue(ns, ref.name);
  }

  private queue(ns: string, name: string): void {
    this.rt.enqueue(`deploy/${ns}/${name}`, () => this.reconcile(ns, name));
  }

  private cond(type: string, status: string, reason: string, message: string): Obj {
    const now = this.rt.now();
    return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
  }

  private reconcile(ns: string, name: string): void {
    const dInfo = this.rt.res('apps', 'Deployment');
    const rsInfo = this.rt.res('apps', 'ReplicaSet');
    let d = dInfo && this.rt.host.get(dInfo, ns, name);
    if (!dInfo || !rsInfo || !d || isDeleting(d)) return;
    const desired = num(d, 'spec', 'replicas') ?? 1;
    const hash = hashOf(objAt(d, 'spec', 'template') ?? {}, num(d, 'status', 'collisionCount') ?? 0);
    const uid = uidOf(d);
    const { host } = this.rt;
    const owned = (): Obj[] => (host.listOwned ? host.listOwned(rsInfo, ns, uid) : host.list(rsInfo, ns).filter((rs) => ownedBy(rs, uid))).filter((rs) => !isDeleting(rs));
    let newRS = owned().find((rs) => str(rs, 'metadata', 'labels', 'pod-template-hash') === hash);
    const paused = get(d, 'paused');
    if (!newRS && !paused) {
      newRS = this.createReplicaSet(dInfo, rsInfo, d, hash, desired, owned());
      const status = clone((d.status as Obj | undefined) ?? {});
      const conds = Array.isArray(status.conditions) ? (status.conditions as Obj[]) : [];
      status.conditions = setCondition(conds, this.cond('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${str(newRS, 'metadata', 'name')}"`));
      d = this.rt.writeStatus(dInfo, d, status);
    }
    if (newRS && !paused) d = this.rollOut(dInfo, rsInfo, d, newRS, desired, owned());
    const all = owned();
    this.syncStatus(dInfo, d, all.find((rs) => str(rs, 'metadata', 'labels', 'pod-template-hash') === hash), all, desired, Boolean(paused));
  }

  private createReplicaSet(dInfo: ResourceInfo, rsInfo: ResourceInfo, d: Obj, hash: string, desired: number, existing: Obj[]): Obj {
    const template = clone(objAt(d, 'spec', 'template') ?? {});
    const tmeta = isObj(template.metadata) ? template.metadata : (template.metadata = {});
    tmeta.labels = { ...((tmeta.labels as Obj | undefined) ?? {}), 'pod-template-hash': hash };
    const selector = clone(objAt(d, 'spec', 'selector') ?? {});
    selector.matchLabels = { ...((selector.matchLabels as Obj | undefined) ?? {}), 'pod-template-hash': hash };
    const revision = Math.max(0, ...existing.map(revisionOf)) + 1;
    const spec: Obj = { replicas: desired, selector, template };
    const mrs = num(d, 'spec', 'minReadySeconds');
    if (mrs) spec.minReadySeconds = mrs;
    return this.rt.host.create(rsInfo, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${str(d, 'metadata', 'name')}-${hash}`,
        namespace: str(d, 'metadata', 'namespace'),
        labels: { ...(tmeta.labels as Obj) },
        annotations: this.rsAnnotations(d, desired, revision),
        ownerReferences: [controllerRef(dInfo, d)],
      },
      spec,
    }, manager);
  }

  private rsAnnotations(d: Obj, desired: number, revision: number): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(annotations(d))) if (!notCopied.has(k)) out[k] = v;
    const surge = get(d, 'strategy') === 'RollingUpdate' ? scaled(objAt(d, 'spec', 'strategy', 'rollingUpdate')?.maxSurge, desired, true) : 0;
    out[desiredKey] = String(desired);
    out[maxKey] = String(desired + surge);
    out[revisionKey] = String(revision);
    return out;
  }

  /** Scales the new ReplicaSet up, the old ones down once it is available, and trims history. */
  private rollOut(dInfo: ResourceInfo, rsInfo: ResourceInfo, d: Obj, newRS: Obj, desired: number, all: Obj[]): Obj {
    const olds = all.filter((rs) => uidOf(rs) !== uidOf(newRS));
    const maxOld = Math.max(0, ...olds.map(revisionOf));
    const revision = revisionOf(newRS) > maxOld ? revisionOf(newRS) : maxOld + 1;
    const wantAnn = { ...annotations(newRS), ...this.rsAnnotations(d, desired, revision) };
    if (num(newRS, 'spec', 'replicas') !== desired || !deepEqual(wantAnn, annotations(newRS))) {
      newRS = this.rt.host.update(rsInfo, { ...newRS, metadata: { ...(newRS.metadata as Obj), annotations: wantAnn }, spec: { ...(newRS.spec as Obj), replicas: desired } }, manager);
    }
    const recreate = get(d, 'strategy') === 'Recreate';
    if (recreate || (num(newRS, 'status', 'availableReplicas') ?? 0) >= desired) {
      for (const old of olds) {
        if ((num(old, 'spec', 'replicas') ?? 0) === 0) continue;
        const ann = { ...annotations(old), [desiredKey]: String(desired) };
        this.rt.host.update(rsInfo, { ...old, metadata: { ...(old.metadata as Obj), annotations: ann }, spec: { ...(old.spec as Obj), replicas: 0 } }, manager);
      }
    }
    // cleanupDeployment: keep revisionHistoryLimit scaled-down old ReplicaSets.
    const limit = num(d, 'spec', 'revisionHistoryLimit') ?? 10;
    const idle = olds.filter((rs) => (num(rs, 'spec', 'replicas') ?? 0) === 0 && (num(rs, 'status', 'replicas') ?? 0) === 0).sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      this.rt.host.delete(rsInfo, str(rs, 'metadata', 'namespace'), str(rs, 'metadata', 'name') ?? '');
    }
    const ann = annotations(d);
    if (ann[revisionKey] !== String(revision)) {
      // The real controller writes the annotation through UpdateStatus: the status strategy keeps
      // annotations, and the generation (bumped by annotation changes on the main resource) stays.
      const withRevision = { ...d, metadata: { ...(d.metadata as Obj), annotations: { ...ann, [revisionKey]: String(revision) } } };
      d = this.rt.host.update(dInfo, withRevision, manager, 'status');
    }
    return d;
  }

  /** calculateStatus followed by syncRolloutStatus. */
  private syncStatus(dInfo: ResourceInfo, d: Obj, newRS: Obj | undefined, all: Obj[], desired: number, paused: boolean): void {
    const old = (d.status as Obj | undefined) ?? {};
    const sum = (f: string): number => all.reduce((a, rs) => a + (num(rs, 'status', f) ?? 0), 0);
    const specTotal = all.reduce((a, rs) => a + (num(rs, 'spec', 'replicas') ?? 0), 0);
    const available = sum('availableReplicas');
    const st: Obj = {
      observedGeneration: num(d, 'metadata', 'generation') ?? 1,
      replicas: sum('replicas'),
      updatedReplicas: newRS ? num(newRS, 'status', 'replicas') ?? 0 : 0,
      readyReplicas: sum('readyReplicas'),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, specTotal - available),
    };
    if (old.collisionCount !== undefined) st.collisionCount = old.collisionCount;
    const rolling = get(d, 'strategy') === 'RollingUpdate';
    const maxUnavailable = rolling ? scaled(objAt(d, 'spec', 'strategy', 'rollingUpdate')?.maxUnavailable, desired, false) : 0;
    let conds = clone(Array.isArray(old.conditions) ? (old.conditions as Obj[]) : []);
    conds = available >= desired - Math.min(maxUnavailable, desired)
      ? setCondition(conds, this.cond('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'))
      : setCondition(conds, this.cond('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'));
    const rsName = newRS ? str(newRS, 'metadata', 'name') : undefined;
    const pds = num(d, 'spec', 'progressDeadlineSeconds');
    const cur = conds.find((c) => c.type === 'Progressing');
    let deadlineIn: number | undefined;
    if (paused) {
      conds = setCondition(conds, this.cond('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused'));
    } else if (pds !== undefined && !(st.replicas === st.updatedReplicas && cur?.reason === 'NewReplicaSetAvailable')) {
      const oldOld = (num(old, 'replicas') ?? 0) - (num(old, 'updatedReplicas') ?? 0);
      const newOld = (st.replicas as number) - (st.updatedReplicas as number);
      const complete = st.updatedReplicas === desired && st.replicas === desired && available === desired;
      const progressed = (st.updatedReplicas as number) > (num(old, 'updatedReplicas') ?? 0) || newOld < oldOld
        || (st.readyReplicas as number) > (num(old, 'readyReplicas') ?? 0) || available > (num(old, 'availableReplicas') ?? 0);
      const what = rsName ? `ReplicaSet "${rsName}"` : `Deployment "${str(d, 'metadata', 'name')}"`;
      if (complete) {
        conds = setCondition(conds, this.cond('Progressing', 'True', 'NewReplicaSetAvailable', `${what} has successfully progressed.`));
      } else if (progressed) {
        const c = this.cond('Progressing', 'True', 'ReplicaSetUpdated', `${what} is progressing.`);
        if (cur?.status === 'True') c.lastTransitionTime = cur.lastTransitionTime;
        conds = [...conds.filter((x) => x.type !== 'Progressing'), c];
      } else if (cur && cur.reason !== 'ProgressDeadlineExceeded') {
        const since = Date.parse(String(cur.lastUpdateTime ?? '')) || this.rt.nowMs();
        const left = since + pds * 1000 - this.rt.nowMs();
        if (left < 0) conds = setCondition(conds, this.cond('Progressing', 'False', 'ProgressDeadlineExceeded', `${what} has timed out progressing.`));
        else deadlineIn = left + 1;
      }
      const now = conds.find((c) => c.type === 'Progressing');
      if (deadlineIn === undefined && now?.status === 'True' && now.reason !== 'NewReplicaSetAvailable') {
        deadlineIn = (Date.parse(String(now.lastUpdateTime)) || this.rt.nowMs()) + pds * 1000 - this.rt.nowMs() + 1;
      }
    }
    st.conditions = conds;
    omitZero(st, ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']);
    this.rt.writeStatus(dInfo, d, st);
    if (deadlineIn !== undefined) {
      const ns = str(d, 'metadata', 'namespace') ?? '';
      const name = str(d, 'metadata', 'name') ?? '';
      this.rt.laterOnce(`deadline/${ns}/${name}`, Math.max(1, deadlineIn), () => this.queue(ns, name));
    }
  }
}

/** spec fields read by both the rollout and status paths. */
function get(d: Obj, field: 'paused' | 'strategy'): unknown {
  if (field === 'paused') return objAt(d, 'spec')?.paused === true;
  return str(d, 'spec', 'strategy', 'type') ?? 'RollingUpdate';
}
