// The endpoints and endpointslice controllers: every Service with a selector gets a v1 Endpoints of
// its name and discovery.k8s.io/v1 EndpointSlices (`<service>-<random>`, owned by the Service) that
// follow the Pods its selector picks. Also kube-apiserver's own reconciler for default/kubernetes
// (pkg/controlplane/reconcilers/endpointsadapter.go), pointing at the sandbox's address.
import type { Obj, ResourceInfo, StoreEvent } from '../../contracts.ts';
import { deepEqual, get, isObj, str } from '../util.ts';
import {
  endpointSubsets, endpointsLabels, selectorOf, selects, serviceNameLabel, sliceContents, sliceLabels, sliceManagedBy, sliceControllerName,
  type SliceContent,
} from './endpoint-shapes.ts';
import { controllerRef, isDeleting, manager, type Runtime } from './runtime.ts';

const triggerTime = 'endpoints.kubernetes.io/last-change-trigger-time';
const skipMirror = 'endpointslice.kubernetes.io/skip-mirror';

export class EndpointsController {
  /** Selectors of the Services seen, by namespace, so a Pod event does not list Services. */
  private readonly selectors = new Map<string, Map<string, Record<string, string>>>();
  /** Services a Pod was last counted in ("ns/pod" → names), so relabelled Pods leave them. */
  private readonly podServices = new Map<string, Set<string>>();
  /** resourceVersions of this controller's own writes, to tell them from other writers'. */
  private readonly written = new Map<string, string>();

  constructor(private readonly rt: Runtime) {}

  onEvent(e: StoreEvent): void {
    if (e.resource.group === '' && e.resource.kind === 'Service') return this.onService(e);
    if (e.resource.group === '' && e.resource.kind === 'Pod') return this.onPod(e);
    const isEndpoints = e.resource.group === '' && e.resource.kind === 'Endpoints';
    const isSlice = e.resource.group === 'discovery.k8s.io' && e.resource.kind === 'EndpointSlice';
    if (!isEndpoints && !isSlice) return;
    // Someone else changed or removed what a controller keeps: put it back.
    const ns = str(e.object, 'metadata', 'namespace') ?? '';
    const key = `${e.resource.kind}/${ns}/${str(e.object, 'metadata', 'name') ?? ''}`;
    if (e.type !== 'DELETED' && this.written.get(key) === str(e.object, 'metadata', 'resourceVersion')) return;
    if (e.type === 'DELETED') this.written.delete(key);
    const service = isEndpoints ? str(e.object, 'metadata', 'name') : str(e.object, 'metadata', 'labels', serviceNameLabel);
    if (!service) return;
    if (isSlice && service !== 'kubernetes' && str(e.object, 'metadata', 'labels', sliceManagedBy) !== sliceControllerName) return;
    this.queue(ns, service);
  }

  private onService(e: StoreEvent): void {
    const ns = str(e.object, 'metadata', 'namespace') ?? '';
    const name = str(e.object, 'metadata', 'name') ?? '';
    let byName = this.selectors.get(ns);
    const selector = e.type === 'DELETED' ? undefined : selectorOf(e.object);
    if (selector) {
      if (!byName) this.selectors.set(ns, (byName = new Map()));
      byName.set(name, selector);
    } else byName?.delete(name);
    this.queue(ns, name);
  }

  private onPod(e: StoreEvent): void {
    const ns = str(e.object, 'metadata', 'namespace') ?? '';
    const podKey = `${ns}/${str(e.object, 'metadata', 'name') ?? ''}`;
    const services = new Set(this.podServices.get(podKey));
    for (const [name, selector] of this.selectors.get(ns) ?? []) if (selects(selector, e.object)) services.add(name);
    if (e.type === 'DELETED') this.podServices.delete(podKey);
    for (const name of services) this.queue(ns, name);
  }

  private queue(ns: string, name: string): void {
    if (ns === 'default' && name === 'kubernetes') this.rt.enqueue('ep/default/kubernetes', () => this.reconcileApiServer());
    else this.rt.enqueue(`ep/${ns}/${name}`, () => this.reconcile(ns, name));
  }

  private infos(): { svc: ResourceInfo; pod: ResourceInfo; ep: ResourceInfo; slice: ResourceInfo } | undefined {
    const svc = this.rt.res('', 'Service');
    const pod = this.rt.res('', 'Pod');
    const ep = this.rt.res('', 'Endpoints');
    const slice = this.rt.res('discovery.k8s.io', 'EndpointSlice');
    return svc && pod && ep && slice ? { svc, pod, ep, slice } : undefined;
  }

  private reconcile(ns: string, name: string): void {
    const infos = this.infos();
    if (!infos) return;
    const svc = this.rt.host.get(infos.svc, ns, name);
    if (!svc) {
      // The endpoints controller deletes the Endpoints of a deleted Service; its slices go with their owner.
      if (this.rt.host.get(infos.ep, ns, name)) this.rt.host.delete(infos.ep, ns, name);
      return;
    }
    const selector = selectorOf(svc);
    // Without a selector the Service's endpoints are the user's to write. A terminating namespace
    // takes no new content (the real controllers' creates meet NamespaceLifecycle's 403).
    if (!selector || isDeleting(svc) || this.namespaceTerminating(ns)) return;
    const pods = this.rt.host.list(infos.pod, ns).filter((p) => selects(selector, p));
    for (const pod of pods) {
      const key = `${ns}/${str(pod, 'metadata', 'name') ?? ''}`;
      let set = this.podServices.get(key);
      if (!set) this.podServices.set(key, (set = new Set()));
      set.add(name);
    }
    this.syncEndpoints(infos.ep, svc, endpointSubsets(svc, pods));
    this.syncSlices(infos.slice, [controllerRef(infos.svc, svc)], svc, sliceContents(svc, pods));
  }

  private syncEndpoints(info: ResourceInfo, svc: Obj, subsets: Obj[]): void {
    const ns = str(svc, 'metadata', 'namespace') ?? '';
    const name = str(svc, 'metadata', 'name') ?? '';
    const labels = endpointsLabels(svc);
    const live = this.rt.host.get(info, ns, name);
    const liveSubsets = Array.isArray(live?.subsets) ? live.subsets : [];
    if (live && deepEqual(liveSubsets, subsets) && deepEqual(get(live, 'metadata', 'labels') ?? {}, labels)) return;
    const meta = isObj(live?.metadata) ? live.metadata : { name, namespace: ns };
    const annotations = { ...(isObj(meta.annotations) ? meta.annotations : {}), [triggerTime]: this.rt.now() };
    const object: Obj = { apiVersion: 'v1', kind: 'Endpoints', metadata: { ...meta, labels, annotations }, ...(subsets.length ? { subsets } : {}) };
    this.remember(info, live ? this.rt.host.update(info, object, manager) : this.rt.host.create(info, object, manager));
  }

  private syncSlices(info: ResourceInfo, ownerReferences: Obj[], svc: Obj, wanted: SliceContent[]): void {
    const ns = str(svc, 'metadata', 'namespace') ?? '';
    const name = str(svc, 'metadata', 'name') ?? '';
    const uid = str(svc, 'metadata', 'uid');
    const labels = sliceLabels(svc);
    const owned = this.rt.host.list(info, ns).filter((s) =>
      str(s, 'metadata', 'labels', serviceNameLabel) === name && str(s, 'metadata', 'labels', sliceManagedBy) === sliceControllerName);
    // A Service whose pods are all gone keeps one placeholder slice without endpoints.
    if (wanted.length === 0) wanted = [{ ports: [], endpoints: [] }];
    const unused = [...owned];
    for (const content of wanted) {
      const i = unused.findIndex((s) => s.addressType === 'IPv4' && deepEqual(s.ports ?? [], content.ports));
      const live = unused.splice(i >= 0 ? i : 0, unused.length ? 1 : 0)[0];
      const fresh = { addressType: 'IPv4', endpoints: content.endpoints, ports: content.ports };
      if (live && deepEqual(live.endpoints ?? [], content.endpoints) && deepEqual(live.ports ?? [], content.ports) && live.addressType === 'IPv4'
        && deepEqual(get(live, 'metadata', 'labels') ?? {}, labels) && get(live, 'metadata', 'ownerReferences', '0', 'uid') === uid) continue;
      const annotations = { ...(isObj(get(live, 'metadata', 'annotations')) ? (get(live, 'metadata', 'annotations') as Obj) : {}), [triggerTime]: this.rt.now() };
      if (live) {
        const meta = live.metadata as Obj;
        this.remember(info, this.rt.host.update(info, { ...live, ...fresh, metadata: { ...meta, labels, annotations, ownerReferences } }, manager));
      } else {
        this.remember(info, this.rt.host.create(info, {
          apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
          metadata: { generateName: `${name}-`, namespace: ns, labels, annotations, ownerReferences },
          ...fresh,
        }, manager));
      }
    }
    for (const extra of unused) this.rt.host.delete(info, ns, str(extra, 'metadata', 'name') ?? '');
  }

  /** default/kubernetes: one address, the sandbox's own, on the Service's port name (https). */
  private reconcileApiServer(): void {
    const infos = this.infos();
    const self = this.rt.apiServer;
    if (!infos || !self) return;
    const svc = this.rt.host.get(infos.svc, 'default', 'kubernetes');
    if (!svc || isDeleting(svc)) return;
    const ports = [{ name: 'https', port: self.port, protocol: 'TCP' }];
    const subsets = [{ addresses: [{ ip: self.ip }], ports }];
    const ep = this.rt.host.get(infos.ep, 'default', 'kubernetes');
    const epLabels = { [skipMirror]: 'true' };
    if (!ep || !deepEqual(ep.subsets, subsets) || !deepEqual(get(ep, 'metadata', 'labels'), epLabels)) {
      const object = { apiVersion: 'v1', kind: 'Endpoints', metadata: { ...(isObj(ep?.metadata) ? ep.metadata : { name: 'kubernetes', namespace: 'default' }), labels: epLabels }, subsets };
      this.remember(infos.ep, ep ? this.rt.host.update(infos.ep, object, 'kube-apiserver') : this.rt.host.create(infos.ep, object, 'kube-apiserver'));
    }
    const endpoints = [{ addresses: [self.ip], conditions: { ready: true } }];
    const sliceLabels = { [serviceNameLabel]: 'kubernetes' };
    const slice = this.rt.host.get(infos.slice, 'default', 'kubernetes');
    if (slice && deepEqual(slice.endpoints, endpoints) && deepEqual(slice.ports, ports) && deepEqual(get(slice, 'metadata', 'labels'), sliceLabels) && slice.addressType === 'IPv4') return;
    const object = {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { ...(isObj(slice?.metadata) ? slice.metadata : { name: 'kubernetes', namespace: 'default' }), labels: sliceLabels },
      addressType: 'IPv4', endpoints, ports,
    };
    this.remember(infos.slice, slice ? this.rt.host.update(infos.slice, object, 'kube-apiserver') : this.rt.host.create(infos.slice, object, 'kube-apiserver'));
  }

  private namespaceTerminating(ns: string): boolean {
    const info = this.rt.res('', 'Namespace');
    const namespace = info && this.rt.host.get(info, undefined, ns);
    return !namespace || isDeleting(namespace);
  }

  private remember(info: ResourceInfo, written: Obj): void {
    this.written.set(`${info.kind}/${str(written, 'metadata', 'namespace') ?? ''}/${str(written, 'metadata', 'name') ?? ''}`, str(written, 'metadata', 'resourceVersion') ?? '');
  }
}
