// What a fresh cluster holds (kube-apiserver's bootstrap namespaces and default/kubernetes), the
// per-namespace objects of the root-ca-cert-publisher and serviceaccounts controllers, and the
// namespace controller's deletion (pkg/controller/namespace/deletion/namespaced_resources_deleter.go).
import type { Obj, ResourceInfo, StoreEvent } from '../../contracts.ts';
import { kubernetesServiceIP } from '../defaults/service.ts';
import { get, str } from '../util.ts';
import { isDeleting, manager, type Runtime } from './runtime.ts';

const bootstrapNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const rootCAName = 'kube-root-ca.crt';
const rootCADescription = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';
const nodeName = 'sandbox-node';
const placeholderCA = '-----BEGIN CERTIFICATE-----\nsandbox\n-----END CERTIFICATE-----\n';

export class NamespaceController {
  private readonly terminating = new Set<string>();

  constructor(private readonly rt: Runtime) {}

  start(): void {
    const ns = this.rt.res('', 'Namespace');
    if (!ns) return;
    for (const name of bootstrapNamespaces) {
      if (!this.rt.host.get(ns, undefined, name)) this.rt.host.create(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, 'kube-apiserver');
    }
    this.ensureKubernetesService();
    this.ensureNode();
    for (const n of this.rt.host.list(ns)) this.queue(str(n, 'metadata', 'name') ?? '');
  }

  private ensureKubernetesService(): void {
    const svc = this.rt.res('', 'Service');
    if (!svc || this.rt.host.get(svc, 'default', 'kubernetes')) return;
    this.rt.host.create(svc, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: {
        clusterIP: kubernetesServiceIP,
        clusterIPs: [kubernetesServiceIP],
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
        sessionAffinity: 'None',
        type: 'ClusterIP',
      },
    }, 'kube-apiserver');
  }

  /** The one pretend node DaemonSets run on, registered as a kubelet would (when the server serves Nodes). */
  private ensureNode(): void {
    const node = this.rt.res('', 'Node');
    if (!node || this.rt.host.get(node, undefined, nodeName)) return;
    const created = this.rt.host.create(node, {
      apiVersion: 'v1', kind: 'Node',
      metadata: { name: nodeName, labels: { 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': nodeName, 'kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux' } },
      spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
    }, 'kubelet');
    const now = this.rt.now();
    const resources = { cpu: '4', 'ephemeral-storage': '100Gi', memory: '8Gi', pods: '110' };
    const cond = (type: string, status: string, reason: string, message: string): Obj => ({ type, status, lastHeartbeatTime: now, lastTransitionTime: now, reason, message });
    this.rt.writeStatus(node, created, {
      addresses: [{ type: 'InternalIP', address: '172.18.0.2' }, { type: 'Hostname', address: nodeName }],
      allocatable: resources, capacity: resources,
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: { architecture: 'amd64', bootID: '', containerRuntimeVersion: 'containerd://2.1.0', kernelVersion: '6.8.0', kubeProxyVersion: '', kubeletVersion: 'v1.34.0', machineID: '', operatingSystem: 'linux', osImage: 'Sandbox', systemUUID: '' },
    });
  }

  onEvent(e: StoreEvent): void {
    const { group, kind } = e.resource;
    const name = str(e.object, 'metadata', 'name') ?? '';
    const ns = str(e.object, 'metadata', 'namespace');
    if (group === '' && kind === 'Namespace') {
      if (e.type === 'DELETED') this.terminating.delete(name);
      else this.queue(name);
    }
    // The publishers put back what a user deletes.
    if (e.type === 'DELETED' && ns && ((kind === 'ConfigMap' && name === rootCAName) || (kind === 'ServiceAccount' && name === 'default'))) this.queue(ns);
    if (e.type === 'DELETED' && ns === 'default' && kind === 'Service' && name === 'kubernetes') this.rt.enqueue('ns-kubernetes-svc', () => this.ensureKubernetesService());
  }

  private queue(name: string): void {
    this.rt.enqueue(`ns/${name}`, () => this.reconcile(name));
  }

  private reconcile(name: string): void {
    const info = this.rt.res('', 'Namespace');
    const ns = info && this.rt.host.get(info, undefined, name);
    if (!info || !ns) return;
    if (isDeleting(ns)) {
      this.terminate(info, ns);
      return;
    }
    if (str(ns, 'metadata', 'labels', 'kubernetes.io/metadata.name') !== name) {
      const metadata = { ...(ns.metadata as Obj) };
      metadata.labels = { ...((metadata.labels as Obj | undefined) ?? {}), 'kubernetes.io/metadata.name': name };
      this.rt.host.update(info, { ...ns, metadata }, manager);
    }
    const cm = this.rt.res('', 'ConfigMap');
    if (cm && !this.rt.host.get(cm, name, rootCAName)) {
      this.rt.host.create(cm, {
        apiVersion: 'v1', kind: 'ConfigMap',
        metadata: { name: rootCAName, namespace: name, annotations: { 'kubernetes.io/description': rootCADescription } },
        data: { 'ca.crt': this.rt.rootCA ?? placeholderCA },
      }, manager);
    }
    const sa = this.rt.res('', 'ServiceAccount');
    if (sa && !this.rt.host.get(sa, name, 'default')) {
      this.rt.host.create(sa, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } }, manager);
    }
  }

  /** Terminating: phase first, contents after a delay, then the `kubernetes` finalizer goes. */
  private terminate(info: ResourceInfo, ns: Obj): void {
    const name = str(ns, 'metadata', 'name') ?? '';
    if (get(ns, 'status', 'phase') !== 'Terminating') {
      this.rt.writeStatus(info, ns, { ...((ns.status as Obj | undefined) ?? {}), phase: 'Terminating' });
    }
    if (this.terminating.has(name)) return;
    this.terminating.add(name);
    this.rt.later(this.rt.readyDelayMs, () => this.emptyThenFinalize(info, name, 0));
  }

  private emptyThenFinalize(info: ResourceInfo, name: string, round: number): void {
    let remaining = 0;
    const kinds = new Set<string>();
    for (const type of this.rt.types()) {
      if (!type.namespaced) continue;
      for (const o of this.rt.host.list(type, name)) {
        remaining++;
        kinds.add(type.resource);
        if (!isDeleting(o)) {
          try {
            this.rt.host.delete(type, name, str(o, 'metadata', 'name') ?? '', 'Background');
          } catch {
            // Gone already, or refused: the next round counts it again.
          }
        }
      }
    }
    const ns = this.rt.host.get(info, undefined, name);
    if (!ns) return;
    this.rt.writeStatus(info, ns, { phase: 'Terminating', conditions: this.conditions(ns, remaining, [...kinds]) });
    const left = [...this.rt.types()].some((t) => t.namespaced && this.rt.host.list(t, name).length > 0);
    if (left) {
      this.rt.later(Math.min(1000, 50 * 2 ** Math.min(round, 4)), () => this.emptyThenFinalize(info, name, round + 1));
      return;
    }
    const fresh = this.rt.host.get(info, undefined, name);
    if (!fresh) return;
    const spec = (fresh.spec as Obj | undefined) ?? {};
    const finalizers = Array.isArray(spec.finalizers) ? spec.finalizers.filter((f) => f !== 'kubernetes') : [];
    this.rt.host.update(info, { ...fresh, spec: { ...spec, finalizers } }, manager, 'finalize');
    this.rt.deleteIfReleased(info, undefined, name);
  }

  /** The five conditions the namespace controller reports while deleting. */
  private conditions(ns: Obj, remaining: number, kinds: string[]): Obj[] {
    const previous = Array.isArray(get(ns, 'status', 'conditions')) ? (get(ns, 'status', 'conditions') as Obj[]) : [];
    const now = this.rt.now();
    const cond = (type: string, status: string, reason: string, message: string): Obj => {
      const old = previous.find((c) => c.type === type);
      const lastTransitionTime = old && old.status === status ? old.lastTransitionTime : now;
      return { type, status, lastTransitionTime, reason, message };
    };
    return [
      cond('NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered', 'All resources successfully discovered'),
      cond('NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions', 'All legacy kube types successfully parsed'),
      cond('NamespaceDeletionContentFailure', 'False', 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization'),
      remaining > 0
        ? cond('NamespaceContentRemaining', 'True', 'SomeResourcesRemain', `Some resources are remaining: ${kinds.sort().map((k) => `${k}.`).join(', ')} has ${remaining} resource instances`)
        : cond('NamespaceContentRemaining', 'False', 'ContentRemoved', 'All content successfully removed'),
      cond('NamespaceFinalizersRemaining', 'False', 'ContentHasNoFinalizers', 'All content-preserving finalizers finished'),
    ];
  }
}
