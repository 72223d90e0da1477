// A pretend cloud load-balancer controller: LoadBalancer Services get an ingress address a delay
// after creation (as kind's cloud-provider-kind or MetalLB give one), so `helm --wait` and kstatus
// see them become Current; other types keep the empty load-balancer status.
import type { Obj, StoreEvent } from '../../contracts.ts';
import { fnv32a, get, str } from '../util.ts';
import { isDeleting, type Runtime } from './runtime.ts';

export class ServiceController {
  constructor(private readonly rt: Runtime) {}

  onEvent(e: StoreEvent): void {
    if (e.resource.group !== '' || e.resource.kind !== 'Service' || e.type === 'DELETED') return;
    if (get(e.object, 'spec', 'type') !== 'LoadBalancer' || isDeleting(e.object)) return;
    const ns = str(e.object, 'metadata', 'namespace') ?? '';
    const name = str(e.object, 'metadata', 'name') ?? '';
    if (Array.isArray(get(e.object, 'status', 'loadBalancer', 'ingress'))) return;
    this.rt.laterOnce(`lb/${ns}/${name}`, this.rt.readyDelayMs, () => this.rt.enqueue(`lb/${ns}/${name}`, () => this.assign(e.resource, ns, name)));
  }

  private assign(info: StoreEvent['resource'], ns: string, name: string): void {
    const svc = this.rt.host.get(info, ns, name);
    if (!svc || isDeleting(svc) || get(svc, 'spec', 'type') !== 'LoadBalancer') return;
    if (Array.isArray(get(svc, 'status', 'loadBalancer', 'ingress'))) return;
    const n = fnv32a(`${ns}/${name}`);
    const ip = `172.18.${200 + (n % 56)}.${1 + ((n >>> 8) % 254)}`;
    const status = { ...((svc.status as Obj | undefined) ?? {}), loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } };
    this.rt.writeStatus(info, svc, status);
  }
}
