// The Deployment controller, after pkg/controller/deployment (sync.go getNewReplicaSet and
// calculateStatus, progress.go syncRolloutStatus, util/deployment_util.go): one ReplicaSet per
// template (pod-template-hash), revision annotations, and exactly the real status and conditions.
import type { Obj, ResourceInfo, StoreEvent } from '../../contracts.ts';
import { clone, deepEqual, hashOf, isObj, num, objAt, scaled, str } from '../util.ts';
import { controllerRef, isDeleting, manager, omitZero, ownedBy, type Runtime, uidOf } from './runtime.ts';

const revisionKey = 'deployment.kubernetes.io/revision';
const source = { component: 'deployment-controller' };
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
    // FindNewReplicaSet: the one whose template equals the Deployment's, pod-template-hash aside
    // (how `kubectl rollout undo` brings an old ReplicaSet back).
    const template = objAt(d, 'spec', 'template') ?? {};
    const sameTemplate = (rs: Obj): boolean => str(rs, 'metadata', 'labels', 'pod-template-hash') === hash || deepEqual(withoutHash(objAt(rs, 'spec', 'template')), template);
    let newRS = owned().sort(byCreation).find(sameTemplate);
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
    this.syncStatus(dInfo, d, newRS && all.find((rs) => uidOf(rs) === uidOf(newRS!)), all, desired, Boolean(paused));
  }

  private createReplicaSet(dInfo: ResourceInfo, rsInfo: ResourceInfo, d: Obj, hash: string, desired: number, existing: Obj[]): Obj {
    const template = clone(objAt(d, 'spec', 'template') ?? {});
    const tmeta = isObj(template.metadata) ? template.metadata : (template.metadata = {});
    tmeta.labels = { ...((tmeta.labels as Obj | undefined) ?? {}), 'pod-template-hash': hash };
    const selector = clone(objAt(d, 'spec', 'selector') ?? {});
    selector.matchLabels = { ...((selector.matchLabels as Obj | undefined) ?? {}), 'pod-template-hash': hash };
    const revision = Math.max(0, ...existing.map(revisionOf)) + 1;
    // NewRSNewReplicas: with old pods still running, a rolling update starts within maxSurge and
    // Recreate starts at zero.
    const oldSpec = existing.reduce((a, rs) => a + (num(rs, 'spec', 'replicas') ?? 0), 0);
    const oldPods = existing.reduce((a, rs) => a + (num(rs, 'status', 'replicas') ?? 0), 0);
    const start = get(d, 'strategy') === 'Recreate'
      ? (oldSpec + oldPods > 0 ? 0 : desired)
      : Math.max(0, Math.min(desired, desired + fenceposts(d, desired).surge - oldSpec));
    const spec: Obj = { replicas: start, selector, template };
    const mrs = num(d, 'spec', 'minReadySeconds');
    if (mrs) spec.minReadySeconds = mrs;
    const created = this.rt.host.create(rsInfo, {
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
    if (start > 0) this.rt.events.record(dInfo, d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${str(created, 'metadata', 'name') ?? ''} from 0 to ${start}`, source);
    return created;
  }

  private rsAnnotations(d: Obj, desired: number, revision: number): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(annotations(d))) if (!notCopied.has(k)) out[k] = v;
    const surge = fenceposts(d, desired).surge;
    out[desiredKey] = String(desired);
    out[maxKey] = String(desired + surge);
    out[revisionKey] = String(revision);
    return out;
  }

  /** scaleReplicaSet: one write and the ScalingReplicaSet event the real controller records. */
  private scale(dInfo: ResourceInfo, rsInfo: ResourceInfo, d: Obj, rs: Obj, to: number, ann?: Record<string, string>): Obj {
    const from = num(rs, 'spec', 'replicas') ?? 0;
    const annotationsNow = ann ?? annotations(rs);
    if (from === to && deepEqual(annotationsNow, annotations(rs))) return rs;
    const updated = this.rt.host.update(rsInfo, { ...rs, metadata: { ...(rs.metadata as Obj), annotations: annotationsNow }, spec: { ...(rs.spec as Obj), replicas: to } }, manager);
    if (from !== to) {
      this.rt.events.record(dInfo, d, 'Normal', 'ScalingReplicaSet', `Scaled ${to > from ? 'up' : 'down'} replica set ${str(rs, 'metadata', 'name') ?? ''} from ${from} to ${to}`, source);
    }
    return updated;
  }

  /**
   * rolloutRolling / rolloutRecreate: the new ReplicaSet grows within maxSurge, old ones shrink as
   * far as maxUnavailable allows (unhealthy replicas first), step by step as pods become available.
   */
  private rollOut(dInfo: ResourceInfo, rsInfo: ResourceInfo, d: Obj, newRS: Obj, desired: number, all: Obj[]): Obj {
    let olds = all.filter((rs) => uidOf(rs) !== uidOf(newRS)).sort(byCreation);
    const maxOld = Math.max(0, ...olds.map(revisionOf));
    const revision = revisionOf(newRS) > maxOld ? revisionOf(newRS) : maxOld + 1;
    const wantAnn = { ...annotations(newRS), ...this.rsAnnotations(d, desired, revision) };
    const newReplicas = num(newRS, 'spec', 'replicas') ?? 0;
    const activeOlds = olds.some((rs) => (num(rs, 'spec', 'replicas') ?? 0) > 0 || (num(rs, 'status', 'replicas') ?? 0) > 0);
    if (get(d, 'strategy') === 'Recreate') {
      for (const [i, old] of olds.entries()) {
        if ((num(old, 'spec', 'replicas') ?? 0) > 0) olds[i] = this.scale(dInfo, rsInfo, d, old, 0, { ...annotations(old), [desiredKey]: String(desired) });
      }
      // The new ReplicaSet scales up only once no old pod runs.
      const oldPods = olds.some((rs) => (num(rs, 'status', 'replicas') ?? 0) > 0);
      newRS = this.scale(dInfo, rsInfo, d, newRS, oldPods ? newReplicas : desired, wantAnn);
    } else {
      const { surge, unavailable } = fenceposts(d, desired);
      let target = desired;
      if (activeOlds && newReplicas < desired) {
        const current = all.reduce((a, rs) => a + (num(rs, 'spec', 'replicas') ?? 0), 0);
        const maxTotal = desired + surge;
        target = current >= maxTotal ? newReplicas : newReplicas + Math.min(maxTotal - current, desired - newReplicas);
      }
      newRS = this.scale(dInfo, rsInfo, d, newRS, target, wantAnn);
      olds = this.reconcileOld(dInfo, rsInfo, d, newRS, olds, desired, unavailable);
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

  /**
   * reconcileOldReplicaSets: never below desired - maxUnavailable available pods; unhealthy old
   * replicas go first (cleanupUnhealthyReplicas), then available ones, oldest ReplicaSet first.
   */
  private reconcileOld(dInfo: ResourceInfo, rsInfo: ResourceInfo, d: Obj, newRS: Obj, olds: Obj[], desired: number, maxUnavailable: number): Obj[] {
    const specOf = (rs: Obj): number => num(rs, 'spec', 'replicas') ?? 0;
    const availOf = (rs: Obj): number => num(rs, 'status', 'availableReplicas') ?? 0;
    const oldCount = olds.reduce((a, rs) => a + specOf(rs), 0);
    if (oldCount === 0) return olds;
    const all = oldCount + specOf(newRS);
    const minAvailable = desired - maxUnavailable;
    const newUnavailable = Math.max(0, specOf(newRS) - availOf(newRS));
    const maxScaledDown = all - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return olds;
    const ann = (rs: Obj): Record<string, string> => ({ ...annotations(rs), [desiredKey]: String(desired) });
    let cleaned = 0;
    const out = [...olds];
    for (const [i, rs] of out.entries()) {
      if (cleaned >= maxScaledDown) break;
      const unhealthy = specOf(rs) - availOf(rs);
      if (specOf(rs) === 0 || unhealthy <= 0) continue;
      const down = Math.min(maxScaledDown - cleaned, unhealthy);
      out[i] = this.scale(dInfo, rsInfo, d, rs, specOf(rs) - down, ann(rs));
      cleaned += down;
    }
    const available = out.reduce((a, rs) => a + Math.min(availOf(rs), specOf(rs)), 0) + availOf(newRS);
    if (available <= minAvailable) return out;
    const total = available - minAvailable;
    let done = 0;
    for (const [i, rs] of out.entries()) {
      if (done >= total) break;
      if (specOf(rs) === 0) continue;
      const down = Math.min(specOf(rs), total - done);
      out[i] = this.scale(dInfo, rsInfo, d, rs, specOf(rs) - down, ann(rs));
      done += down;
    }
    return out;
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
    const maxUnavailable = fenceposts(d, desired).unavailable;
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

function byCreation(a: Obj, b: Obj): number {
  const ca = str(a, 'metadata', 'creationTimestamp') ?? '';
  const cb = str(b, 'metadata', 'creationTimestamp') ?? '';
  return ca < cb ? -1 : ca > cb ? 1 : (str(a, 'metadata', 'name') ?? '').localeCompare(str(b, 'metadata', 'name') ?? '');
}

/** ResolveFenceposts and MaxUnavailable: surge rounds up, unavailable down, never both zero. */
export function fenceposts(d: Obj, desired: number): { surge: number; unavailable: number } {
  if (get(d, 'strategy') !== 'RollingUpdate') return { surge: 0, unavailable: 0 };
  const ru = objAt(d, 'spec', 'strategy', 'rollingUpdate') ?? {};
  const surge = scaled(ru.maxSurge ?? '25%', desired, true);
  let unavailable = scaled(ru.maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable: desired === 0 ? 0 : Math.min(unavailable, desired) };
}

function withoutHash(template: Obj | undefined): Obj {
  const t = clone(template ?? {});
  const labels = objAt(t, 'metadata', 'labels');
  if (labels) {
    delete labels['pod-template-hash'];
    if (Object.keys(labels).length === 0) delete (t.metadata as Obj).labels;
  }
  return t;
}
