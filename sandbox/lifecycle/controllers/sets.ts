// StatefulSets and DaemonSets with real Pods (pkg/controller/statefulset stateful_set_control.go,
// pkg/controller/daemon daemon_controller.go and update.go). A StatefulSet makes `<set>-<ordinal>`
// Pods and their claims from volumeClaimTemplates, one at a time under OrderedReady, and rolls a new
// revision from the highest ordinal down; a DaemonSet runs one Pod per node its nodeSelector
// matches and replaces outdated ones within maxUnavailable.
import type { Obj, ResourceInfo, StoreEvent } from '../../contracts.ts';
import { ApiError } from '../../contracts.ts';
import { clone, get, hashOf, labelsOf, listAt, num, objAt, scaled, str } from '../util.ts';
import { createPod, deletePod, generatedName, nodeAffinityName, ownedPods, podActive, podAvailable, podReady } from './podutil.ts';
import { controllerRef, isDeleting, manager, omitZero, ownedBy, ownerRefs, type Runtime, uidOf } from './runtime.ts';

const revisionLabel = 'controller-revision-hash';

export class SetController {
  constructor(private readonly rt: Runtime) {}

  onEvent(e: StoreEvent): void {
    const { group, kind } = e.resource;
    const ns = str(e.object, 'metadata', 'namespace') ?? '';
    if (group === '' && (kind === 'Pod' || kind === 'Node')) {
      if (kind === 'Node') {
        const ds = this.rt.res('apps', 'DaemonSet');
        if (ds) for (const o of this.rt.host.list(ds)) this.queue(ds, str(o, 'metadata', 'namespace') ?? '', str(o, 'metadata', 'name') ?? '');
        return;
      }
      for (const ref of ownerRefs(e.object)) {
        if (ref.controller !== true || (ref.kind !== 'StatefulSet' && ref.kind !== 'DaemonSet') || typeof ref.name !== 'string') continue;
        const info = this.rt.res('apps', ref.kind);
        if (info) this.queue(info, ns, ref.name);
      }
      return;
    }
    if (group !== 'apps' || (kind !== 'StatefulSet' && kind !== 'DaemonSet') || e.type === 'DELETED') return;
    this.queue(e.resource, ns, str(e.object, 'metadata', 'name') ?? '');
  }

  private queue(info: ResourceInfo, ns: string, name: string): void {
    const key = `${info.kind}/${ns}/${name}`;
    this.rt.enqueue(key, () => {
      const o = this.rt.host.get(info, ns, name);
      if (!o || isDeleting(o)) return;
      const wait = info.kind === 'StatefulSet' ? this.statefulSet(info, o) : this.daemonSet(info, o);
      if (wait !== undefined) this.rt.laterOnce(`${key}/ready`, wait, () => this.queue(info, ns, name));
    });
  }

  private event(info: ResourceInfo, o: Obj, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.rt.events.record(info, o, type, reason, message, { component: info.kind === 'StatefulSet' ? 'statefulset-controller' : 'daemonset-controller' });
  }

  /** Claims from volumeClaimTemplates, named <template>-<set>-<ordinal>, kept when the set goes (Retain). */
  private ensureClaims(info: ResourceInfo, o: Obj, podName: string): Obj[] {
    const pvcInfo = this.rt.res('', 'PersistentVolumeClaim');
    const volumes: Obj[] = [];
    const ns = str(o, 'metadata', 'namespace');
    for (const t of listAt(o, 'spec', 'volumeClaimTemplates')) {
      const claimName = `${str(t, 'metadata', 'name') ?? ''}-${podName}`;
      volumes.push({ name: str(t, 'metadata', 'name'), persistentVolumeClaim: { claimName } });
      if (!pvcInfo || this.rt.host.get(pvcInfo, ns, claimName)) continue;
      const labels = { ...((objAt(t, 'metadata', 'labels') ?? {}) as Obj), ...((objAt(o, 'spec', 'selector', 'matchLabels') ?? {}) as Obj) };
      const whenDeleted = str(o, 'spec', 'persistentVolumeClaimRetentionPolicy', 'whenDeleted');
      try {
        this.rt.host.create(pvcInfo, {
          apiVersion: 'v1', kind: 'PersistentVolumeClaim',
          metadata: { name: claimName, namespace: ns, labels, ...(whenDeleted === 'Delete' ? { ownerReferences: [controllerRef(info, o)] } : {}) },
          spec: clone((t.spec as Obj | undefined) ?? {}),
        }, manager);
        this.event(info, o, 'Normal', 'SuccessfulCreate', `create Claim ${claimName} Pod ${podName} in StatefulSet ${str(o, 'metadata', 'name') ?? ''} success`);
      } catch (err) {
        if (!(err instanceof ApiError) || err.status === 409) throw err;
        this.event(info, o, 'Warning', 'FailedCreate', `create Claim ${claimName} for Pod ${podName} in StatefulSet ${str(o, 'metadata', 'name') ?? ''} failed error: ${err.message}`);
      }
    }
    return volumes;
  }

  /** Returns how long until the next change is due (minReadySeconds), if one is. */
  private statefulSet(info: ResourceInfo, o: Obj): number | undefined {
    const desired = num(o, 'spec', 'replicas') ?? 1;
    const setName = str(o, 'metadata', 'name') ?? '';
    const ns = str(o, 'metadata', 'namespace') ?? '';
    const hash = hashOf(objAt(o, 'spec', 'template'));
    const updateRevision = `${setName}-${hash}`;
    const status = (o.status as Obj | undefined) ?? {};
    let current = str(status, 'currentRevision') ?? updateRevision;
    this.ensureRevision(info, o, hash, revisionLabel, [current, updateRevision]);
    const parallel = str(o, 'spec', 'podManagementPolicy') === 'Parallel';
    const minReady = num(o, 'spec', 'minReadySeconds') ?? 0;
    const byOrdinal = new Map<number, Obj>();
    const condemned: Obj[] = [];
    for (const p of ownedPods(this.rt, ns, uidOf(o))) {
      const m = /-(\d+)$/.exec(str(p, 'metadata', 'name') ?? '');
      const ordinal = m ? Number(m[1]) : -1;
      if (ordinal >= 0 && ordinal < desired) byOrdinal.set(ordinal, p);
      else condemned.push(p);
    }
    const observed = [...byOrdinal.values(), ...condemned];
    // Create what is missing, in order: OrderedReady waits for each pod to be Running and Ready.
    let blocked = false;
    for (let i = 0; i < desired && !blocked; i++) {
      const p = byOrdinal.get(i);
      if (p) {
        if (!parallel && (!podReady(p) || isDeleting(p))) blocked = true;
        continue;
      }
      const podName = `${setName}-${i}`;
      const volumes = this.ensureClaims(info, o, podName);
      const template = clone(objAt(o, 'spec', 'template') ?? {});
      const spec = (template.spec ?? {}) as Obj;
      const claimed = new Set(volumes.map((v) => v.name));
      const serviceName = str(o, 'spec', 'serviceName');
      try {
        createPod(this.rt, info, o, template, podName, {
          labels: { [revisionLabel]: updateRevision, 'statefulset.kubernetes.io/pod-name': podName, 'apps.kubernetes.io/pod-index': String(i) },
          spec: {
            hostname: podName, ...(serviceName ? { subdomain: serviceName } : {}),
            ...(volumes.length > 0 ? { volumes: [...listAt(spec, 'volumes').filter((v) => !claimed.has(v.name)), ...volumes] } : {}),
          },
        });
      } catch (err) {
        // recordPodEvent("create", …) in stateful_pod_control.go; the next ordinals wait for this one.
        if (!(err instanceof ApiError) || err.status === 409) throw err;
        this.event(info, o, 'Warning', 'FailedCreate', `create Pod ${podName} in StatefulSet ${setName} failed error: ${err.message}`);
        break;
      }
      this.event(info, o, 'Normal', 'SuccessfulCreate', `create Pod ${podName} in StatefulSet ${setName} successful`);
      if (!parallel) blocked = true;
    }
    // Scale down from the highest ordinal, one at a time unless Parallel.
    const allReady = [...byOrdinal.values()].length === desired && [...byOrdinal.values()].every((p) => podReady(p) && !isDeleting(p));
    for (const p of condemned.sort((a, b) => (str(b, 'metadata', 'name') ?? '').localeCompare(str(a, 'metadata', 'name') ?? '', undefined, { numeric: true }))) {
      if (isDeleting(p)) continue;
      if (!parallel && !allReady) break;
      deletePod(this.rt, p);
      this.event(info, o, 'Normal', 'SuccessfulDelete', `delete Pod ${str(p, 'metadata', 'name') ?? ''} in StatefulSet ${setName} successful`);
      if (!parallel) break;
    }
    // RollingUpdate: once every pod is ready, replace the highest outdated ordinal above the partition.
    const strategy = str(o, 'spec', 'updateStrategy', 'type') ?? 'RollingUpdate';
    if (strategy === 'RollingUpdate' && allReady && condemned.length === 0) {
      const partition = num(o, 'spec', 'updateStrategy', 'rollingUpdate', 'partition') ?? 0;
      for (let i = desired - 1; i >= partition; i--) {
        const p = byOrdinal.get(i)!;
        if (str(p, 'metadata', 'labels', revisionLabel) === updateRevision) continue;
        deletePod(this.rt, p);
        this.event(info, o, 'Normal', 'SuccessfulDelete', `delete Pod ${str(p, 'metadata', 'name') ?? ''} in StatefulSet ${setName} successful`);
        break;
      }
    }
    let wake: number | undefined;
    const now = this.rt.nowMs();
    const revisionOf = (p: Obj): string | undefined => str(p, 'metadata', 'labels', revisionLabel);
    const ready = observed.filter((p) => podActive(p) && podReady(p)).length;
    const available = observed.filter((p) => podActive(p) && podAvailable(p, minReady, now, (ms) => { wake = Math.min(wake ?? ms, ms); })).length;
    let updated = observed.filter((p) => revisionOf(p) === updateRevision).length;
    let currentReplicas = observed.filter((p) => revisionOf(p) === current).length;
    const replicas = observed.length;
    // completeRollingUpdate: every pod at the update revision and ready.
    if (updated === replicas && ready === replicas && replicas === desired) {
      current = updateRevision;
      currentReplicas = updated;
    }
    if (current === updateRevision) updated = currentReplicas;
    const next = omitZero({
      observedGeneration: num(o, 'metadata', 'generation') ?? 1,
      replicas,
      readyReplicas: ready,
      currentReplicas,
      updatedReplicas: updated,
      currentRevision: current,
      updateRevision,
      collisionCount: num(status, 'collisionCount') ?? 0,
      availableReplicas: available,
    }, ['readyReplicas', 'currentReplicas', 'updatedReplicas']);
    this.rt.writeStatus(info, o, next);
    return wake;
  }

  private daemonSet(info: ResourceInfo, o: Obj): number | undefined {
    const ns = str(o, 'metadata', 'namespace') ?? '';
    const dsName = str(o, 'metadata', 'name') ?? '';
    const template = objAt(o, 'spec', 'template');
    const hash = hashOf(template);
    this.ensureRevision(info, o, hash, revisionLabel, [`${dsName}-${hash}`]);
    const nodeInfo = this.rt.res('', 'Node');
    const selector = (objAt(template, 'spec', 'nodeSelector') ?? {}) as Record<string, unknown>;
    const nodes = (nodeInfo ? this.rt.host.list(nodeInfo) : []).filter((n) => {
      const l = labelsOf(n);
      return Object.entries(selector).every(([k, v]) => l[k] === v);
    }).map((n) => str(n, 'metadata', 'name') ?? '');
    const pods = ownedPods(this.rt, ns, uidOf(o)).filter(podActive);
    const nodeOf = (p: Obj): string => str(p, 'spec', 'nodeName') ?? nodeAffinityName(p) ?? '';
    const minReady = num(o, 'spec', 'minReadySeconds') ?? 0;
    const now = this.rt.nowMs();
    let wake: number | undefined;
    const wakeIn = (ms: number): void => { wake = Math.min(wake ?? ms, ms); };
    const generation = num(o, 'metadata', 'generation') ?? 1;
    for (const node of nodes) {
      if (pods.some((p) => nodeOf(p) === node)) continue;
      const name = generatedName(`${dsName}-`);
      try {
        createPod(this.rt, info, o, template, name, {
          labels: { [revisionLabel]: hash, 'pod-template-generation': String(generation) },
          spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] } } } },
        });
      } catch (err) {
        // syncNodes: PodControl's `Error creating` event; the slow-start batch stops at the first error.
        if (!(err instanceof ApiError) || err.status === 409) throw err;
        this.event(info, o, 'Warning', 'FailedCreate', `Error creating: ${err.message}`);
        break;
      }
      this.event(info, o, 'Normal', 'SuccessfulCreate', `Created pod: ${name}`);
    }
    const onNodes = pods.filter((p) => nodes.includes(nodeOf(p)));
    for (const p of pods.filter((x) => !nodes.includes(nodeOf(x)))) {
      deletePod(this.rt, p);
      this.event(info, o, 'Normal', 'SuccessfulDelete', `Deleted pod: ${str(p, 'metadata', 'name') ?? ''}`);
    }
    // RollingUpdate: outdated pods go while fewer than maxUnavailable are unavailable.
    if ((str(o, 'spec', 'updateStrategy', 'type') ?? 'RollingUpdate') === 'RollingUpdate') {
      const maxUnavailable = Math.max(1, scaled(get(o, 'spec', 'updateStrategy', 'rollingUpdate', 'maxUnavailable') ?? 1, nodes.length, true));
      let unavailable = nodes.length - onNodes.filter((p) => podAvailable(p, minReady, now)).length;
      for (const p of onNodes) {
        if (str(p, 'metadata', 'labels', revisionLabel) === hash) continue;
        const avail = podAvailable(p, minReady, now);
        if (avail && unavailable >= maxUnavailable) break;
        deletePod(this.rt, p);
        this.event(info, o, 'Normal', 'SuccessfulDelete', `Deleted pod: ${str(p, 'metadata', 'name') ?? ''}`);
        if (avail) unavailable++;
      }
    }
    const ready = onNodes.filter(podReady).length;
    const available = onNodes.filter((p) => podAvailable(p, minReady, now, wakeIn)).length;
    const scheduled = new Set(onNodes.map(nodeOf)).size;
    const next = omitZero({
      currentNumberScheduled: scheduled,
      desiredNumberScheduled: nodes.length,
      numberMisscheduled: 0,
      numberReady: ready,
      numberAvailable: available,
      numberUnavailable: nodes.length - available,
      updatedNumberScheduled: onNodes.filter((p) => str(p, 'metadata', 'labels', revisionLabel) === hash).length,
      observedGeneration: generation,
    }, ['numberAvailable', 'numberUnavailable', 'updatedNumberScheduled']);
    this.rt.writeStatus(info, o, next);
    return wake;
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
