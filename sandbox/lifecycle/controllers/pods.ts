// A pretend scheduler and kubelet for bare Pods (those clients create themselves, e.g. Helm test
// hooks): a delay after creation they run and turn Ready, or, with restartPolicy Never/OnFailure,
// complete. An image tag ending in "broken" stays in ImagePullBackOff; one ending in "fail" exits 1.
// Status fields follow what kubelet's status manager writes.
import type { Obj, ResourceInfo, StoreEvent } from '../../contracts.ts';
import { fnv32a, get, imageTag, listAt, str } from '../util.ts';
import { isDeleting, type Runtime } from './runtime.ts';

const hostIP = '172.18.0.2';

export class PodController {
  constructor(private readonly rt: Runtime) {}

  onEvent(e: StoreEvent): void {
    if (e.resource.group !== '' || e.resource.kind !== 'Pod' || e.type !== 'ADDED') return;
    if (get(e.object, 'status', 'startTime')) return;
    const ns = str(e.object, 'metadata', 'namespace') ?? '';
    const name = str(e.object, 'metadata', 'name') ?? '';
    this.rt.later(this.rt.readyDelayMs, () => this.rt.enqueue(`pod/${ns}/${name}`, () => this.run(e.resource, ns, name)));
  }

  private run(info: ResourceInfo, ns: string, name: string): void {
    const pod = this.rt.host.get(info, ns, name);
    if (!pod || isDeleting(pod) || get(pod, 'status', 'startTime')) return;
    const now = this.rt.now();
    const containers = listAt(pod, 'spec', 'containers');
    const tags = containers.map((c) => imageTag(str(c, 'image') ?? '') ?? '');
    const broken = tags.some((t) => t.endsWith('broken'));
    const fails = tags.some((t) => t.endsWith('fail'));
    const restart = str(pod, 'spec', 'restartPolicy') ?? 'Always';
    const completes = restart !== 'Always';
    const phase = broken ? 'Pending' : fails && restart === 'Never' ? 'Failed' : completes && !fails ? 'Succeeded' : 'Running';
    const ready = phase === 'Running' && !fails;
    const cond = (type: string, status: boolean, reason?: string, message?: string): Obj => ({
      type, status: status ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: now,
      ...(reason ? { reason } : {}), ...(message ? { message } : {}),
    });
    const notReady = containers.map((c) => str(c, 'name')).join(' ');
    const readyCond = ready ? [true] : phase === 'Succeeded' || phase === 'Failed' ? [false, 'PodCompleted'] : [false, 'ContainersNotReady', `containers with unready status: [${notReady}]`];
    const podIP = `10.244.0.${2 + (fnv32a(`${ns}/${name}`) % 250)}`;
    const status: Obj = {
      ...((pod.status as Obj | undefined) ?? {}),
      phase,
      conditions: [
        cond('PodReadyToStartContainers', true),
        cond('Initialized', true),
        cond('Ready', readyCond[0] as boolean, readyCond[1] as string | undefined, readyCond[2] as string | undefined),
        cond('ContainersReady', readyCond[0] as boolean, readyCond[1] as string | undefined, readyCond[2] as string | undefined),
        cond('PodScheduled', true),
      ],
      hostIP, hostIPs: [{ ip: hostIP }], podIP, podIPs: [{ ip: podIP }], startTime: now,
      containerStatuses: containers.map((c) => this.containerStatus(c, phase, fails, now)),
    };
    this.rt.writeStatus(info, pod, status);
  }

  private containerStatus(c: Obj, phase: string, fails: boolean, now: string): Obj {
    const image = str(c, 'image') ?? '';
    const id = fnv32a(`${image}/${str(c, 'name')}`).toString(16).padStart(8, '0');
    const base: Obj = { name: str(c, 'name'), image, imageID: '', lastState: {}, restartCount: 0 };
    if (phase === 'Pending') {
      return { ...base, ready: false, started: false, state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } } };
    }
    const withId = { ...base, imageID: `${image.split(':')[0]}@sha256:${id.repeat(8)}`, containerID: `containerd://${id.repeat(8)}` };
    if (phase === 'Running' && !fails) return { ...withId, ready: true, started: true, state: { running: { startedAt: now } } };
    if (phase === 'Running') return { ...withId, ready: false, started: false, restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=${String(c.name)}` } } };
    const exitCode = fails ? 1 : 0;
    return { ...withId, ready: false, started: false, state: { terminated: { exitCode, reason: fails ? 'Error' : 'Completed', startedAt: now, finishedAt: now, containerID: withId.containerID } } };
  }
}
