// What a kubelet would make of a scheduled Pod, decided from the Pod spec as on a real node:
// volumes that name a missing ConfigMap/Secret never mount (ContainerCreating, FailedMount), env
// references to missing ones are CreateContainerConfigError, an image tag ending in "broken" cannot
// be pulled, one ending in "crash" (or "fail" under restartPolicy Always) exits 1 and backs off, a
// readiness probe `exec: ["false"]` never passes. Strings are kubelet's (pkg/kubelet/kuberuntime,
// pkg/kubelet/images, pkg/kubelet/volumemanager).
import type { Obj } from '../../contracts.ts';
import { fnv32a, get, imageTag, isObj, listAt, objAt, str } from '../util.ts';

/** Looks up a ConfigMap or Secret in the Pod's namespace: undefined when absent. */
export type ConfigLookup = (kind: 'ConfigMap' | 'Secret', name: string) => Obj | undefined;

export interface KubeletEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** spec.containers{name}, as kubelet sets involvedObject.fieldPath. */
  fieldPath?: string;
}

export type ContainerFate =
  | { kind: 'ready' }
  | { kind: 'unready' }
  | { kind: 'pull' }
  | { kind: 'config'; message: string }
  | { kind: 'crash' }
  | { kind: 'exit'; code: number };

export interface PodFate {
  /** A volume that cannot mount: no container starts. */
  mount?: { volume: string; message: string };
  containers: Array<{ name: string; image: string; fate: ContainerFate }>;
}

function tagEnds(image: string, suffix: string): boolean {
  return (imageTag(image) ?? '').endsWith(suffix);
}

function missing(lookup: ConfigLookup, kind: 'ConfigMap' | 'Secret', name: string, key?: string): string | undefined {
  const o = lookup(kind, name);
  const noun = kind === 'ConfigMap' ? 'configmap' : 'secret';
  if (!o) return `${noun} "${name}" not found`;
  if (key === undefined) return undefined;
  const has = (isObj(o.data) && key in o.data) || (isObj(o.binaryData) && key in o.binaryData) || (isObj(o.stringData) && key in o.stringData);
  const ns = str(o, 'metadata', 'namespace') ?? '';
  return has ? undefined : `couldn't find key ${key} in ${kind} ${ns}/${name}`;
}

/** kubelet makeEnvironmentVariables: the first reference that cannot be resolved. */
function envProblem(c: Obj, lookup: ConfigLookup): string | undefined {
  for (const from of listAt(c, 'envFrom')) {
    for (const [field, kind] of [['configMapRef', 'ConfigMap'], ['secretRef', 'Secret']] as const) {
      const ref = objAt(from, field);
      if (!ref || ref.optional === true) continue;
      const m = missing(lookup, kind, str(ref, 'name') ?? '');
      if (m) return m;
    }
  }
  for (const env of listAt(c, 'env')) {
    for (const [field, kind] of [['configMapKeyRef', 'ConfigMap'], ['secretKeyRef', 'Secret']] as const) {
      const ref = objAt(env, 'valueFrom', field);
      if (!ref || ref.optional === true) continue;
      const m = missing(lookup, kind, str(ref, 'name') ?? '', str(ref, 'key') ?? '');
      if (m) return m;
    }
  }
  return undefined;
}

function mountProblem(pod: Obj, lookup: ConfigLookup): PodFate['mount'] {
  for (const v of listAt(pod, 'spec', 'volumes')) {
    const volume = str(v, 'name') ?? '';
    const refs: Array<[('ConfigMap' | 'Secret'), string | undefined, boolean]> = [];
    const cm = objAt(v, 'configMap');
    if (cm) refs.push(['ConfigMap', str(cm, 'name'), cm.optional === true]);
    const sec = objAt(v, 'secret');
    if (sec) refs.push(['Secret', str(sec, 'secretName'), sec.optional === true]);
    for (const src of listAt(v, 'projected', 'sources')) {
      const pcm = objAt(src, 'configMap');
      if (pcm) refs.push(['ConfigMap', str(pcm, 'name'), pcm.optional === true]);
      const ps = objAt(src, 'secret');
      if (ps) refs.push(['Secret', str(ps, 'name'), ps.optional === true]);
    }
    for (const [kind, name, optional] of refs) {
      if (optional || !name) continue;
      const m = missing(lookup, kind, name);
      if (m) return { volume, message: `MountVolume.SetUp failed for volume "${volume}" : ${m}` };
    }
  }
  return undefined;
}

function probeFails(c: Obj): boolean {
  const cmd = get(c, 'readinessProbe', 'exec', 'command');
  return Array.isArray(cmd) && cmd.length > 0 && (cmd[0] === 'false' || cmd[0] === '/bin/false');
}

/** Decides each container's fate from the Pod spec and what exists in the namespace. */
export function podFate(pod: Obj, lookup: ConfigLookup): PodFate {
  const restart = str(pod, 'spec', 'restartPolicy') ?? 'Always';
  const mount = mountProblem(pod, lookup);
  const containers = listAt(pod, 'spec', 'containers').map((c) => {
    const name = str(c, 'name') ?? '';
    const image = str(c, 'image') ?? '';
    const fate = ((): ContainerFate => {
      if (tagEnds(image, 'broken')) return { kind: 'pull' };
      const config = envProblem(c, lookup);
      if (config) return { kind: 'config', message: config };
      const fails = tagEnds(image, 'crash') || tagEnds(image, 'fail');
      if (restart === 'Always') return fails ? { kind: 'crash' } : probeFails(c) ? { kind: 'unready' } : { kind: 'ready' };
      if (fails) return restart === 'OnFailure' ? { kind: 'crash' } : { kind: 'exit', code: 1 };
      return { kind: 'exit', code: 0 };
    })();
    return { name, image, fate };
  });
  return { ...(mount ? { mount } : {}), containers };
}

/** Go's time.Duration String for whole seconds (10s, 1m20s, 5m0s). */
export function goDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

/** kubelet's crash-loop back-off: 10 s doubling to 5 min, by restarts so far. */
export function backoffSeconds(restarts: number): number {
  return Math.min(300, 10 * 2 ** Math.max(0, restarts - 1));
}

function fullImage(image: string): string {
  const noTag = image.split('@')[0] ?? image;
  const first = noTag.split('/')[0] ?? '';
  const hasRegistry = noTag.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const withLib = hasRegistry ? noTag : noTag.includes('/') ? `docker.io/${noTag}` : `docker.io/library/${noTag}`;
  return withLib;
}

/** The error containerd gives for a tag that does not exist. */
export function pullError(image: string): string {
  const ref = fullImage(image);
  return `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`;
}

export function fakeId(seed: string): string {
  return fnv32a(seed).toString(16).padStart(8, '0').repeat(8);
}

function imageId(image: string): string {
  return `${fullImage(image).split(':')[0] ?? image}@sha256:${fakeId(image)}`;
}

/** Everything kubelet's status manager writes for one container, and the events it records. */
export function containerStatus(
  c: { name: string; image: string; fate: ContainerFate },
  podRef: string,
  stage: 'first' | 'settled',
  restarts: number,
  now: string,
  startedAt: string,
): { status: Obj; events: KubeletEvent[] } {
  const { name, image, fate } = c;
  const fieldPath = `spec.containers{${name}}`;
  const base: Obj = { name, image, imageID: '', lastState: {}, restartCount: 0, ready: false, started: false };
  const pulled: KubeletEvent[] = [
    { type: 'Normal', reason: 'Pulling', message: `Pulling image "${image}"`, fieldPath },
    { type: 'Normal', reason: 'Pulled', message: `Successfully pulled image "${image}" in 512ms (512ms including waiting). Image size: 12345678 bytes.`, fieldPath },
  ];
  const containerID = `containerd://${fakeId(`${podRef}/${name}`)}`;
  const ran = { ...base, imageID: imageId(image), containerID };
  const started: KubeletEvent[] = [
    ...pulled,
    { type: 'Normal', reason: 'Created', message: `Created container: ${name}`, fieldPath },
    { type: 'Normal', reason: 'Started', message: `Started container ${name}`, fieldPath },
  ];
  switch (fate.kind) {
    case 'pull': {
      const err = pullError(image);
      if (stage === 'first') {
        return {
          status: { ...base, state: { waiting: { reason: 'ErrImagePull', message: err } } },
          events: [
            { type: 'Normal', reason: 'Pulling', message: `Pulling image "${image}"`, fieldPath },
            { type: 'Warning', reason: 'Failed', message: `Failed to pull image "${image}": ${err}`, fieldPath },
            { type: 'Warning', reason: 'Failed', message: 'Error: ErrImagePull', fieldPath },
          ],
        };
      }
      return {
        status: { ...base, state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ErrImagePull: ${err}` } } },
        events: [
          { type: 'Normal', reason: 'BackOff', message: `Back-off pulling image "${image}"`, fieldPath },
          { type: 'Warning', reason: 'Failed', message: 'Error: ImagePullBackOff', fieldPath },
        ],
      };
    }
    case 'config':
      return {
        status: { ...base, imageID: '', state: { waiting: { reason: 'CreateContainerConfigError', message: fate.message } } },
        events: [...pulled, { type: 'Warning', reason: 'Failed', message: `Error: ${fate.message}`, fieldPath }],
      };
    case 'crash': {
      const n = Math.max(1, restarts);
      return {
        status: {
          ...ran, restartCount: n,
          lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt, finishedAt: now, containerID } },
          state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${goDuration(backoffSeconds(n))} restarting failed container=${name} pod=${podRef}` } },
        },
        events: [...(n === 1 ? started : []), { type: 'Warning', reason: 'BackOff', message: `Back-off restarting failed container ${name} in pod ${podRef}`, fieldPath }],
      };
    }
    case 'exit':
      return {
        status: { ...ran, state: { terminated: { exitCode: fate.code, reason: fate.code === 0 ? 'Completed' : 'Error', startedAt, finishedAt: now, containerID } } },
        events: started,
      };
    case 'unready':
      return {
        status: { ...ran, started: true, state: { running: { startedAt } } },
        events: [...started, { type: 'Warning', reason: 'Unhealthy', message: 'Readiness probe failed: ', fieldPath }],
      };
    case 'ready':
      return { status: { ...ran, ready: true, started: true, state: { running: { startedAt } } }, events: started };
  }
}

/** kubelet getPhase over the container statuses. */
export function phaseOf(statuses: Obj[], restartPolicy: string): string {
  let waiting = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of statuses) {
    if (get(s, 'state', 'running')) running++;
    else if (get(s, 'state', 'terminated')) {
      stopped++;
      if (get(s, 'state', 'terminated', 'exitCode') === 0) succeeded++;
    } else if (get(s, 'lastState', 'terminated')) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/**
 * The STATUS column `kubectl get pods` prints (printers.printPod): the last container's waiting or
 * terminated reason wins over the phase; a deleting pod is Terminating.
 */
export function printedStatus(pod: Obj): string {
  let reason = str(pod, 'status', 'reason') ?? str(pod, 'status', 'phase') ?? 'Pending';
  const init = listAt(pod, 'status', 'initContainerStatuses');
  let initializing = false;
  for (const [i, s] of init.entries()) {
    const code = get(s, 'state', 'terminated', 'exitCode');
    if (code === 0) continue;
    initializing = true;
    const tReason = str(s, 'state', 'terminated', 'reason');
    const wReason = str(s, 'state', 'waiting', 'reason');
    if (typeof code === 'number') reason = tReason ? `Init:${tReason}` : `Init:ExitCode:${code}`;
    else if (wReason && wReason !== 'PodInitializing') reason = `Init:${wReason}`;
    else reason = `Init:${i}/${listAt(pod, 'spec', 'initContainers').length}`;
    break;
  }
  if (!initializing) {
    let hasRunning = false;
    const statuses = listAt(pod, 'status', 'containerStatuses');
    for (let i = statuses.length - 1; i >= 0; i--) {
      const s = statuses[i]!;
      const w = str(s, 'state', 'waiting', 'reason');
      const t = str(s, 'state', 'terminated', 'reason');
      const code = get(s, 'state', 'terminated', 'exitCode');
      if (w) reason = w;
      else if (t) reason = t;
      else if (get(s, 'state', 'terminated')) reason = `ExitCode:${String(code)}`;
      else if (get(s, 'state', 'running') && s.ready === true) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) {
      const ready = get(pod, 'status', 'conditions');
      const isReady = Array.isArray(ready) && ready.some((c) => isObj(c) && c.type === 'Ready' && c.status === 'True');
      reason = isReady ? 'Running' : 'NotReady';
    }
  }
  if (get(pod, 'metadata', 'deletionTimestamp')) reason = str(pod, 'status', 'reason') === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

/** RESTARTS column: the sum over containers (kubectl adds "(5m ago)", which a table cell leaves out here). */
export function restartsOf(pod: Obj): number {
  let n = 0;
  for (const s of listAt(pod, 'status', 'containerStatuses')) n += typeof s.restartCount === 'number' ? s.restartCount : 0;
  return n;
}
