// What the endpoints and endpointslice controllers would write for a Service and the Pods its
// selector picks (pkg/controller/endpoint/endpoints_controller.go, pkg/controller/endpointslice,
// staging/src/k8s.io/endpointslice/utils.go, pkg/api/v1/endpoints RepackSubsets), as pure functions.
import type { Obj } from '../../contracts.ts';
import { get, isObj, labelsOf, listAt, str } from '../util.ts';

export const endpointsManagedBy = 'endpoints.kubernetes.io/managed-by';
export const endpointsControllerName = 'endpoint-controller';
export const sliceManagedBy = 'endpointslice.kubernetes.io/managed-by';
export const sliceControllerName = 'endpointslice-controller.k8s.io';
export const serviceNameLabel = 'kubernetes.io/service-name';
export const headlessLabel = 'service.kubernetes.io/headless';

/** The Service's selector, or undefined when it has none (nil and empty are alike once stored). */
export function selectorOf(svc: Obj): Record<string, string> | undefined {
  const sel = get(svc, 'spec', 'selector');
  if (!isObj(sel)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(sel)) if (typeof v === 'string') out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

export function selects(selector: Record<string, string>, pod: Obj): boolean {
  const labels = get(pod, 'metadata', 'labels');
  if (!isObj(labels)) return false;
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

export function isPodReady(pod: Obj): boolean {
  return listAt(pod, 'status', 'conditions').some((c) => c.type === 'Ready' && c.status === 'True');
}

/** endpointutil.ShouldPodBeInEndpoints: an address, not finished for good, terminating only when asked. */
export function podBelongs(pod: Obj, includeTerminating: boolean): boolean {
  if (!str(pod, 'status', 'podIP')) return false;
  if (!includeTerminating && get(pod, 'metadata', 'deletionTimestamp')) return false;
  const phase = str(pod, 'status', 'phase');
  const restart = str(pod, 'spec', 'restartPolicy') ?? 'Always';
  if (restart === 'Never') return phase !== 'Failed' && phase !== 'Succeeded';
  if (restart === 'OnFailure') return phase !== 'Succeeded';
  return true;
}

/** podutil.FindPort: a number is taken as is, a name is looked up among the containers' ports. */
export function findPort(pod: Obj, servicePort: Obj): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (typeof target !== 'string') return undefined;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = (servicePort.protocol as string | undefined) ?? 'TCP';
  for (const list of ['containers', 'initContainers']) {
    for (const c of listAt(pod, 'spec', list)) {
      if (list === 'initContainers' && c.restartPolicy !== 'Always') continue;
      for (const p of listAt(c, 'ports')) {
        if (p.name === target && ((p.protocol as string | undefined) ?? 'TCP') === protocol && typeof p.containerPort === 'number') return p.containerPort;
      }
    }
  }
  return undefined;
}

const isHeadless = (svc: Obj): boolean => get(svc, 'spec', 'clusterIP') === 'None';

/** Service labels plus the controller's own, as both controllers set them. */
function controllerLabels(svc: Obj, own: Record<string, string>): Record<string, string> {
  const labels: Record<string, string> = { ...labelsOf(svc) };
  delete labels[serviceNameLabel];
  delete labels[sliceManagedBy];
  delete labels[headlessLabel];
  Object.assign(labels, own);
  if (isHeadless(svc)) labels[headlessLabel] = '';
  return labels;
}

export function endpointsLabels(svc: Obj): Record<string, string> {
  return controllerLabels(svc, { [endpointsManagedBy]: endpointsControllerName });
}

export function sliceLabels(svc: Obj): Record<string, string> {
  return controllerLabels(svc, { [serviceNameLabel]: str(svc, 'metadata', 'name') ?? '', [sliceManagedBy]: sliceControllerName });
}

const targetRef = (pod: Obj): Obj => ({ kind: 'Pod', namespace: str(pod, 'metadata', 'namespace'), name: str(pod, 'metadata', 'name'), uid: str(pod, 'metadata', 'uid') });

/** endpointutil.ShouldSetHostname: the pod names this Service as its subdomain. */
function hostname(pod: Obj, svc: Obj): string | undefined {
  const h = str(pod, 'spec', 'hostname');
  return h && str(pod, 'spec', 'subdomain') === str(svc, 'metadata', 'name') ? h : undefined;
}

const byIp = (a: Obj, b: Obj): number => {
  const ka = `${String(a.ip ?? (a.addresses as string[] | undefined)?.[0])}/${String(get(a, 'targetRef', 'uid'))}`;
  const kb = `${String(b.ip ?? (b.addresses as string[] | undefined)?.[0])}/${String(get(b, 'targetRef', 'uid'))}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

/**
 * v1 Endpoints subsets: ready pods as addresses, unready ones as notReadyAddresses (all ready with
 * publishNotReadyAddresses), grouped by the ports they resolve to (RepackSubsets).
 */
export function endpointSubsets(svc: Obj, pods: Obj[]): Obj[] {
  const tolerateUnready = get(svc, 'spec', 'publishNotReadyAddresses') === true;
  const servicePorts = listAt(svc, 'spec', 'ports');
  const groups = new Map<string, { ports: Obj[]; addresses: Obj[]; notReadyAddresses: Obj[] }>();
  for (const pod of pods) {
    if (!podBelongs(pod, tolerateUnready)) continue;
    const address: Obj = { ip: str(pod, 'status', 'podIP') };
    const host = hostname(pod, svc);
    if (host) address.hostname = host;
    const node = str(pod, 'spec', 'nodeName');
    if (node) address.nodeName = node;
    address.targetRef = targetRef(pod);
    const ports: Obj[] = [];
    for (const sp of servicePorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    // A Service with ports whose pod offers none of them contributes nothing; a headless one without ports lists addresses only.
    if (servicePorts.length > 0 && ports.length === 0) continue;
    ports.sort((a, b) => (`${String(a.name ?? '')}/${String(a.port)}` < `${String(b.name ?? '')}/${String(b.port)}` ? -1 : 1));
    const key = JSON.stringify(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports, addresses: [], notReadyAddresses: [] }));
    (tolerateUnready || isPodReady(pod) ? group.addresses : group.notReadyAddresses).push(address);
  }
  return [...groups.values()].map((g) => {
    const subset: Obj = {};
    if (g.addresses.length) subset.addresses = g.addresses.sort(byIp);
    if (g.notReadyAddresses.length) subset.notReadyAddresses = g.notReadyAddresses.sort(byIp);
    if (g.ports.length) subset.ports = g.ports;
    return subset;
  });
}

export interface SliceContent {
  ports: Obj[];
  endpoints: Obj[];
}

/** EndpointSlice contents, one per distinct port set (endpointMeta), IPv4 pod addresses only. */
export function sliceContents(svc: Obj, pods: Obj[]): SliceContent[] {
  const publishNotReady = get(svc, 'spec', 'publishNotReadyAddresses') === true;
  const servicePorts = listAt(svc, 'spec', 'ports');
  const groups = new Map<string, SliceContent>();
  for (const pod of pods) {
    if (!podBelongs(pod, true)) continue;
    const ip = str(pod, 'status', 'podIP') ?? '';
    if (ip.includes(':')) continue;
    const ports: Obj[] = [];
    for (const sp of servicePorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      ports.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    const serving = isPodReady(pod);
    const terminating = Boolean(get(pod, 'metadata', 'deletionTimestamp'));
    // "ready" is never true for a terminating pod unless publishNotReadyAddresses (podToEndpoint).
    const endpoint: Obj = { addresses: [ip], conditions: { ready: publishNotReady || (serving && !terminating), serving, terminating } };
    const host = hostname(pod, svc);
    if (host) endpoint.hostname = host;
    endpoint.targetRef = targetRef(pod);
    const node = str(pod, 'spec', 'nodeName');
    if (node) endpoint.nodeName = node;
    const key = JSON.stringify(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports, endpoints: [] }));
    group.endpoints.push(endpoint);
  }
  for (const g of groups.values()) g.endpoints.sort(byIp);
  return [...groups.values()];
}
