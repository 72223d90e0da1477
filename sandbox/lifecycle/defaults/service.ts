// Service defaults (pkg/apis/core/v1/defaults.go SetDefaults_Service) and the address
// allocation the Service registry does on create (pkg/registry/core/service/storage/alloc.go):
// clusterIP/clusterIPs from the service CIDR, ipFamilies, ipFamilyPolicy and node ports.
import type { Obj } from '../../contracts.ts';
import { child, dflt, fnv32a, isObj, listAt, str } from '../util.ts';

// kubeadm's default service CIDR; 10.96.0.1 belongs to default/kubernetes.
const cidrBase = (10 << 24) | (96 << 16);
const cidrSize = 1 << 20; // a /12
export const kubernetesServiceIP = '10.96.0.1';

function ipString(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Hands out unique cluster IPs and node ports; seeded from the name so runs are repeatable. */
export class ServiceAllocator {
  private readonly ips = new Set<string>([kubernetesServiceIP]);
  private readonly ports = new Set<number>();

  reserve(service: Obj): void {
    const ips = isObj(service.spec) && Array.isArray(service.spec.clusterIPs) ? service.spec.clusterIPs : [];
    for (const ip of ips) if (typeof ip === 'string') this.ips.add(ip);
    for (const p of listAt(service, 'spec', 'ports')) if (typeof p.nodePort === 'number') this.ports.add(p.nodePort);
  }

  release(service: Obj): void {
    const ips = isObj(service.spec) && Array.isArray(service.spec.clusterIPs) ? service.spec.clusterIPs : [];
    for (const ip of ips) if (typeof ip === 'string' && ip !== kubernetesServiceIP) this.ips.delete(ip);
    for (const p of listAt(service, 'spec', 'ports')) if (typeof p.nodePort === 'number') this.ports.delete(p.nodePort);
  }

  ip(seed: string): string {
    // Skip the network address and the first host address (the kubernetes Service).
    let n = 2 + (fnv32a(seed) % (cidrSize - 3));
    for (;;) {
      const ip = ipString((cidrBase + n) >>> 0);
      if (!this.ips.has(ip)) {
        this.ips.add(ip);
        return ip;
      }
      n = n + 1 >= cidrSize - 1 ? 2 : n + 1;
    }
  }

  nodePort(seed: string): number {
    let p = 30000 + (fnv32a(seed) % 2768);
    while (this.ports.has(p)) p = p + 1 > 32767 ? 30000 : p + 1;
    this.ports.add(p);
    return p;
  }
}

/** The allocator of this process; the server may reserve restored Services into it. */
export const serviceAllocator = new ServiceAllocator();

export function serviceDefaults(o: Obj, alloc: ServiceAllocator = serviceAllocator): void {
  const spec = child(o, 'spec');
  dflt(spec, 'sessionAffinity', 'None');
  dflt(spec, 'type', 'ClusterIP');
  const type = spec.type;
  for (const p of listAt(spec, 'ports')) {
    dflt(p, 'protocol', 'TCP');
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = child(child(spec, 'sessionAffinityConfig'), 'clientIP');
    dflt(cfg, 'timeoutSeconds', 10800);
  }
  if (type === 'NodePort' || type === 'LoadBalancer') dflt(spec, 'externalTrafficPolicy', 'Cluster');
  if (type !== 'ExternalName') dflt(spec, 'internalTrafficPolicy', 'Cluster');
  if (type === 'LoadBalancer') dflt(spec, 'allocateLoadBalancerNodePorts', true);
  dflt(child(o, 'status'), 'loadBalancer', {});
  if (type === 'ExternalName') return;

  const seed = `${str(o, 'metadata', 'namespace') ?? ''}/${str(o, 'metadata', 'name') ?? ''}`;
  const given = typeof spec.clusterIP === 'string' && spec.clusterIP !== '' ? spec.clusterIP : undefined;
  const givenList = Array.isArray(spec.clusterIPs) && typeof spec.clusterIPs[0] === 'string' ? (spec.clusterIPs as string[]) : undefined;
  const ip = given ?? givenList?.[0] ?? alloc.ip(seed);
  spec.clusterIP = ip;
  spec.clusterIPs = givenList && givenList[0] === ip ? givenList : [ip];
  dflt(spec, 'ipFamilies', ['IPv4']);
  // Headless Services without a selector get RequireDualStack, which a single-stack cluster
  // satisfies with its one family (alloc.go initIPFamilyFields).
  const headlessNoSelector = ip === 'None' && !(isObj(spec.selector) && Object.keys(spec.selector).length > 0);
  dflt(spec, 'ipFamilyPolicy', headlessNoSelector ? 'RequireDualStack' : 'SingleStack');

  const needsNodePorts = type === 'NodePort' || (type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
  if (needsNodePorts) {
    for (const p of listAt(spec, 'ports')) if (p.nodePort === undefined || p.nodePort === 0) p.nodePort = alloc.nodePort(`${seed}/${String(p.port)}`);
  }
  if (type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local' && spec.healthCheckNodePort === undefined) {
    spec.healthCheckNodePort = alloc.nodePort(`${seed}/health`);
  }
}

/**
 * What the Service registry keeps from the stored object when an update omits it
 * (pkg/registry/core/service/storage: patchAllocatedValues, normalizeClusterIPs).
 */
export function serviceKeepAllocated(o: Obj, old: Obj): void {
  const spec = child(o, 'spec');
  const oldSpec = isObj(old.spec) ? old.spec : {};
  const type = spec.type ?? 'ClusterIP';
  const oldType = oldSpec.type ?? 'ClusterIP';
  dropTypeDependentFields(spec, oldSpec, type, oldType);
  if (type !== 'ExternalName' && oldType !== 'ExternalName') {
    const ip = spec.clusterIP;
    if (ip === undefined || ip === '') {
      if (oldSpec.clusterIP !== undefined) spec.clusterIP = oldSpec.clusterIP;
      if (spec.clusterIPs === undefined && oldSpec.clusterIPs !== undefined) spec.clusterIPs = oldSpec.clusterIPs;
    } else if (Array.isArray(oldSpec.clusterIPs) && (spec.clusterIPs === undefined || JSON.stringify(spec.clusterIPs) === JSON.stringify(oldSpec.clusterIPs))) {
      // clusterIP changed alone: the list follows it, so validation reports the change on clusterIPs[0].
      spec.clusterIPs = [ip, ...oldSpec.clusterIPs.slice(1)];
    }
    if (spec.ipFamilies === undefined && oldSpec.ipFamilies !== undefined) spec.ipFamilies = oldSpec.ipFamilies;
    if (spec.ipFamilyPolicy === undefined && oldSpec.ipFamilyPolicy !== undefined) spec.ipFamilyPolicy = oldSpec.ipFamilyPolicy;
  }
  const oldPorts = listAt(oldSpec, 'ports');
  for (const p of listAt(spec, 'ports')) {
    if (p.nodePort !== undefined && p.nodePort !== 0) continue;
    const match = oldPorts.find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP')) ?? (oldPorts.length === 1 && listAt(spec, 'ports').length === 1 ? oldPorts[0] : undefined);
    if (match && typeof match.nodePort === 'number' && (type === 'NodePort' || type === 'LoadBalancer')) p.nodePort = match.nodePort;
  }
  if (spec.healthCheckNodePort === undefined && oldSpec.healthCheckNodePort !== undefined) spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
}

const needsNodePorts = (t: unknown): boolean => t === 'NodePort' || t === 'LoadBalancer';

/**
 * dropTypeDependentFields (service strategy): switching to a type that does not use allocated
 * values drops those the request merely carried over unchanged from the stored object.
 */
function dropTypeDependentFields(spec: Obj, oldSpec: Obj, type: unknown, oldType: unknown): void {
  if (type === 'ExternalName' && oldType !== 'ExternalName') {
    if (spec.clusterIP === oldSpec.clusterIP) delete spec.clusterIP;
    if (JSON.stringify(spec.clusterIPs) === JSON.stringify(oldSpec.clusterIPs)) delete spec.clusterIPs;
    if (JSON.stringify(spec.ipFamilies) === JSON.stringify(oldSpec.ipFamilies)) delete spec.ipFamilies;
    if (spec.ipFamilyPolicy === oldSpec.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  if (needsNodePorts(oldType) && !needsNodePorts(type)) {
    const oldPorts = listAt(oldSpec, 'ports');
    for (const p of listAt(spec, 'ports')) {
      if (oldPorts.some((q) => q.nodePort === p.nodePort)) delete p.nodePort;
    }
  }
  if (oldType === 'LoadBalancer' && type !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts === oldSpec.allocateLoadBalancerNodePorts) delete spec.allocateLoadBalancerNodePorts;
    if (spec.healthCheckNodePort === oldSpec.healthCheckNodePort) delete spec.healthCheckNodePort;
  }
  if (needsNodePorts(oldType) && !needsNodePorts(type) && spec.externalTrafficPolicy === oldSpec.externalTrafficPolicy) delete spec.externalTrafficPolicy;
}
