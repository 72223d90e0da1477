// A pretend scheduler and kubelet for every Pod, bare or owned by a workload. The scheduler binds a
// Pod to the first node its nodeSelector matches (or leaves it Pending, PodScheduled=False
// Unschedulable); half the ready delay later the kubelet pulls and starts the containers, and at
// the full delay a healthy Pod is Running and Ready. What goes wrong is decided by kubelet.ts from
// the Pod spec. Status fields follow what kubelet's status manager writes; events what kubelet and
// the scheduler record.
import type { Obj, StoreEvent } from '../../contracts.ts';
import { get, labelsOf, listAt, objAt, str } from '../util.ts';
import { backoffSeconds, containerStatus, type KubeletEvent, phaseOf, podFate } from './kubelet.ts';
import { nodeAffinityName } from './podutil.ts';
import { isDeleting, type Runtime, uidOf } from './runtime.ts';

const scheduler = { component: 'default-scheduler' };

/** A node as the scheduler sees it. */
interface NodeView {
  name: string;
  labels: Record<string, string>;
  ip: string;
}

export class PodController {
  private readonly ips = new Map<string, string>();
  private readonly usedIps = new Set<string>();
  private nextIp = 0;
  /** Pods no node fits, retried when a node changes. */
  private readonly unschedulable = new Map<string, [string, string]>();
  /** Pods whose ConfigMap/Secret is missing, by namespace, retried when one appears. */
  private readonly blocked = new Map<string, Set<string>>();
  /** Pods the kubelet has taken on (uid), so a status write does not start them twice. */
  private readonly started = new Set<string>();

  constructor(private readonly rt: Runtime) {}

  onEvent(e: StoreEvent): void {
    const { group, kind } = e.resource;
    if (group !== '') return;
    if (kind === 'Node' && e.type !== 'DELETED') {
      for (const [key, [ns, name]] of this.unschedulable) this.rt.enqueue(`sched/${key}`, () => this.schedule(ns, name));
      return;
    }
    if ((kind === 'ConfigMap' || kind === 'Secret') && e.type !== 'DELETED') {
      const ns = str(e.object, 'metadata', 'namespace') ?? '';
      for (const name of this.blocked.get(ns) ?? []) this.rt.enqueue(`kubelet/${ns}/${name}`, () => this.sync(ns, name, 'first'));
      return;
    }
    if (kind !== 'Pod') return;
    const ns = str(e.object, 'metadata', 'namespace') ?? '';
    const name = str(e.object, 'metadata', 'name') ?? '';
    const uid = uidOf(e.object);
    if (e.type === 'DELETED') {
      this.forget(ns, name, uid);
      return;
    }
    const ip = str(e.object, 'status', 'podIP');
    if (ip && !this.ips.has(uid)) {
      this.ips.set(uid, ip);
      this.usedIps.add(ip);
    }
    if (isDeleting(e.object)) return;
    if (!get(e.object, 'spec', 'nodeName')) {
      this.rt.enqueue(`sched/${ns}/${name}`, () => this.schedule(ns, name));
    } else if (!this.started.has(uid) && !get(e.object, 'status', 'containerStatuses') && !get(e.object, 'status', 'startTime')) {
      this.started.add(uid);
      this.rt.later(this.rt.readyDelayMs / 2, () => this.rt.enqueue(`kubelet/${ns}/${name}`, () => this.sync(ns, name, 'first')));
    }
  }

  private forget(ns: string, name: string, uid: string): void {
    const ip = this.ips.get(uid);
    if (ip) this.usedIps.delete(ip);
    this.ips.delete(uid);
    this.started.delete(uid);
    this.unschedulable.delete(`${ns}/${name}`);
    this.blocked.get(ns)?.delete(name);
  }

  private nodes(): NodeView[] {
    const info = this.rt.res('', 'Node');
    if (!info) return [];
    return this.rt.host.list(info).filter((n) => get(n, 'spec', 'unschedulable') !== true).map((n) => ({
      name: str(n, 'metadata', 'name') ?? '',
      labels: labelsOf(n),
      ip: str(listAt(n, 'status', 'addresses').find((a) => a.type === 'InternalIP'), 'address') ?? '172.18.0.2',
    }));
  }

  private cond(type: string, status: boolean, reason?: string, message?: string): Obj {
    return { type, status: status ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: this.rt.now(), ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
  }

  /** The scheduler's filter: nodeSelector against node labels (affinity and taints are not modelled). */
  private schedule(ns: string, name: string): void {
    const info = this.rt.res('', 'Pod');
    const pod = info && this.rt.host.get(info, ns, name);
    if (!info || !pod || isDeleting(pod) || get(pod, 'spec', 'nodeName')) return;
    const selector = (objAt(pod, 'spec', 'nodeSelector') ?? {}) as Record<string, unknown>;
    const nodes = this.nodes();
    const pinned = nodeAffinityName(pod);
    const fit = nodes.find((n) => (pinned === undefined || n.name === pinned) && Object.entries(selector).every(([k, v]) => n.labels[k] === v));
    if (!fit) {
      this.unschedulable.set(`${ns}/${name}`, [ns, name]);
      const n = nodes.length;
      const message = `0/${n} nodes are available: ${n} node(s) didn't match Pod's node affinity/selector. preemption: 0/${n} nodes are available: ${n} Preemption is not helpful for scheduling.`;
      const current = listAt(pod, 'status', 'conditions').find((c) => c.type === 'PodScheduled');
      // Nothing changed since the last attempt: the scheduler waits for a node event.
      if (current?.reason === 'Unschedulable' && current.message === message) return;
      this.rt.writeStatus(info, pod, { ...((pod.status as Obj | undefined) ?? {}), phase: 'Pending', conditions: [this.cond('PodScheduled', false, 'Unschedulable', message)], qosClass: qosOf(pod) });
      this.rt.events.record(info, pod, 'Warning', 'FailedScheduling', message, scheduler);
      return;
    }
    this.unschedulable.delete(`${ns}/${name}`);
    const bound = this.rt.host.update(info, { ...pod, spec: { ...(pod.spec as Obj), nodeName: fit.name } }, 'kube-scheduler');
    this.rt.writeStatus(info, bound, { phase: 'Pending', conditions: [this.cond('PodScheduled', true)], qosClass: qosOf(pod) });
    this.rt.events.record(info, bound, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${fit.name}`, scheduler);
  }

  private allocateIp(uid: string): string {
    const known = this.ips.get(uid);
    if (known) return known;
    for (let i = 0; i < 65_000; i++) {
      const n = this.nextIp++ % 65_000;
      const ip = `10.244.${Math.floor(n / 250)}.${2 + (n % 250)}`;
      if (this.usedIps.has(ip)) continue;
      this.usedIps.add(ip);
      this.ips.set(uid, ip);
      return ip;
    }
    return '10.244.255.254';
  }

  /**
   * One kubelet sync: 'first' pulls and starts (failures show now), 'settled' is the steady state a
   * moment later (ImagePullBackOff after ErrImagePull, Ready after start).
   */
  private sync(ns: string, name: string, stage: 'first' | 'settled'): void {
    const info = this.rt.res('', 'Pod');
    const pod = info && this.rt.host.get(info, ns, name);
    if (!info || !pod || isDeleting(pod)) return;
    const nodeName = str(pod, 'spec', 'nodeName');
    if (!nodeName) return;
    const uid = uidOf(pod);
    const lookup = (kind: 'ConfigMap' | 'Secret', n: string): Obj | undefined => {
      const r = this.rt.res('', kind);
      return r && this.rt.host.get(r, ns, n);
    };
    const fate = podFate(pod, lookup);
    const podRef = `${name}_${ns}(${uid})`;
    const now = this.rt.now();
    const old = (pod.status as Obj | undefined) ?? {};
    const startedAt = str(old, 'startTime') ?? now;
    const node = this.nodes().find((n) => n.name === nodeName);
    const hostIP = node?.ip ?? '172.18.0.2';
    const podIP = this.allocateIp(uid);
    const events: KubeletEvent[] = [];
    let statuses: Obj[];
    const waitingOnConfig = Boolean(fate.mount) || fate.containers.some((c) => c.fate.kind === 'config');
    if (waitingOnConfig) {
      let set = this.blocked.get(ns);
      if (!set) this.blocked.set(ns, (set = new Set()));
      set.add(name);
    } else {
      this.blocked.get(ns)?.delete(name);
    }
    if (fate.mount) {
      statuses = fate.containers.map((c) => ({ name: c.name, image: c.image, imageID: '', lastState: {}, restartCount: 0, ready: false, started: false, state: { waiting: { reason: 'ContainerCreating' } } }));
      events.push({ type: 'Warning', reason: 'FailedMount', message: fate.mount.message });
    } else {
      const prior = new Map(listAt(old, 'containerStatuses').map((s) => [str(s, 'name') ?? '', s]));
      statuses = fate.containers.map((c) => {
        const restarts = typeof prior.get(c.name)?.restartCount === 'number' ? (prior.get(c.name)!.restartCount as number) : 0;
        // A healthy container is started at 'first' and reported ready once 'settled'.
        // so is a container that will exit 0 (it runs for the delay); a failing one exits at once.
        const runsFirst = stage === 'first' && (c.fate.kind === 'ready' || (c.fate.kind === 'exit' && c.fate.code === 0));
        const shown = runsFirst ? { ...c, fate: { kind: 'unready' as const } } : c;
        const r = containerStatus(shown, podRef, stage, restarts, now, startedAt);
        if (runsFirst) r.events = r.events.filter((e) => e.reason !== 'Unhealthy');
        if (stage === 'settled' && c.fate.kind !== 'pull') r.events = r.events.filter((e) => e.reason === 'BackOff' || e.reason === 'Unhealthy');
        events.push(...r.events);
        return r.status;
      });
    }
    const restartPolicy = str(pod, 'spec', 'restartPolicy') ?? 'Always';
    const phase = fate.mount ? 'Pending' : phaseOf(statuses, restartPolicy);
    const notReady = statuses.filter((s) => s.ready !== true).map((s) => String(s.name));
    const allReady = notReady.length === 0 && phase === 'Running';
    const done = phase === 'Succeeded' || phase === 'Failed';
    const readyCond = allReady ? this.cond('Ready', true) : done ? this.cond('Ready', false, 'PodCompleted') : this.cond('Ready', false, 'ContainersNotReady', `containers with unready status: [${notReady.join(' ')}]`);
    const keep = (c: Obj): Obj => {
      const was = listAt(old, 'conditions').find((x) => x.type === c.type);
      return was && was.status === c.status && was.reason === c.reason ? { ...c, lastTransitionTime: was.lastTransitionTime } : c;
    };
    const sandboxReady = !fate.mount && !done;
    const status: Obj = {
      phase,
      conditions: [
        keep(this.cond('PodReadyToStartContainers', sandboxReady || done)),
        keep(this.cond('Initialized', true)),
        keep({ ...readyCond, type: 'Ready' }),
        keep({ ...readyCond, type: 'ContainersReady' }),
        keep(this.cond('PodScheduled', true)),
      ],
      hostIP, hostIPs: [{ ip: hostIP }],
      ...(fate.mount ? {} : { podIP, podIPs: [{ ip: podIP }] }),
      startTime: startedAt,
      ...(listAt(pod, 'spec', 'initContainers').length > 0 ? { initContainerStatuses: initStatuses(pod, now) } : {}),
      containerStatuses: statuses,
      qosClass: qosOf(pod),
    };
    this.rt.writeStatus(info, pod, status);
    const source = { component: 'kubelet', host: nodeName };
    const latest = this.rt.host.get(info, ns, name) ?? pod;
    for (const e of events) this.rt.events.record(info, latest, e.type, e.reason, e.message, source, e.fieldPath);
    if (stage === 'first' && !waitingOnConfig) {
      this.rt.later(this.rt.readyDelayMs / 2, () => this.rt.enqueue(`kubelet/${ns}/${name}`, () => this.sync(ns, name, 'settled')));
    }
    const crashing = statuses.find((s) => get(s, 'state', 'waiting', 'reason') === 'CrashLoopBackOff');
    if (crashing && stage === 'settled') {
      // The real back-off (10 s doubling to 5 min): each expiry is one more failed restart.
      const n = typeof crashing.restartCount === 'number' ? crashing.restartCount : 1;
      this.rt.laterOnce(`crash/${uid}`, backoffSeconds(n) * 1000, () => this.rt.enqueue(`kubelet/${ns}/${name}`, () => this.restart(ns, name, uid)));
    }
  }

  /** A crash-looping container's back-off expired: it ran and failed once more. */
  private restart(ns: string, name: string, uid: string): void {
    const info = this.rt.res('', 'Pod');
    const pod = info && this.rt.host.get(info, ns, name);
    if (!info || !pod || uidOf(pod) !== uid || isDeleting(pod)) return;
    const statuses = listAt(pod, 'status', 'containerStatuses').map((s) => (get(s, 'state', 'waiting', 'reason') === 'CrashLoopBackOff' ? { ...s, restartCount: (typeof s.restartCount === 'number' ? s.restartCount : 0) + 1 } : s));
    this.rt.writeStatus(info, pod, { ...((pod.status as Obj | undefined) ?? {}), containerStatuses: statuses });
    this.sync(ns, name, 'settled');
  }
}

function initStatuses(pod: Obj, now: string): Obj[] {
  return listAt(pod, 'spec', 'initContainers').map((c) => ({
    name: str(c, 'name'), image: str(c, 'image'), imageID: '', lastState: {}, restartCount: 0, ready: true, started: false,
    state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } },
  }));
}

/** GetPodQOS: BestEffort without requests or limits, Guaranteed when limits equal requests everywhere. */
function qosOf(pod: Obj): string {
  let any = false;
  let guaranteed = true;
  for (const c of [...listAt(pod, 'spec', 'containers'), ...listAt(pod, 'spec', 'initContainers')]) {
    const req = objAt(c, 'resources', 'requests') ?? {};
    const lim = objAt(c, 'resources', 'limits') ?? {};
    if (Object.keys(req).length + Object.keys(lim).length > 0) any = true;
    for (const r of ['cpu', 'memory']) {
      const l = lim[r];
      const q = r in req ? req[r] : l;
      if (l === undefined || q !== l) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
