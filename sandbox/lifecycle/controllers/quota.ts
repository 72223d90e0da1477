// The resource quota controller (pkg/controller/resourcequota): every ResourceQuota's status holds
// its `hard` (canonical quantities) and the namespace's current `used` for those names, recomputed
// whenever something in a namespace with quotas changes (a scoped quota counts only the Pods in its
// scopes). Namespaces without quotas cost one lookup.
import type { Obj, ResourceInfo, StoreEvent } from '../../contracts.ts';
import { formatQuantity } from '../../schema/quantity.ts';
import { hardOf, namespaceUsage, quotaTracks, usageJson, type Kind } from '../quota.ts';
import { str } from '../util.ts';
import type { Runtime } from './runtime.ts';

export class QuotaController {
  /** Namespace → names of its ResourceQuotas. */
  private readonly quotas = new Map<string, Set<string>>();

  constructor(private readonly rt: Runtime) {}

  onEvent(e: StoreEvent): void {
    const ns = str(e.object, 'metadata', 'namespace');
    if (!ns) return;
    if (e.resource.group === '' && e.resource.resource === 'resourcequotas') {
      const name = str(e.object, 'metadata', 'name') ?? '';
      const names = this.quotas.get(ns) ?? new Set<string>();
      if (e.type === 'DELETED') names.delete(name); else names.add(name);
      if (names.size === 0) this.quotas.delete(ns); else this.quotas.set(ns, names);
    } else if (!this.quotas.has(ns) || e.resource.resource === 'events') return;
    this.rt.enqueue(`quota/${ns}`, () => this.sync(ns));
  }

  private sync(ns: string): void {
    const info = this.rt.res('', 'ResourceQuota');
    if (!info) return;
    const types = new Map<string, ResourceInfo>();
    for (const t of this.rt.types()) types.set(`${t.group}/${t.resource}`, t);
    const list = (k: Kind): Obj[] => {
      const t = types.get(`${k.group}/${k.resource}`);
      return t ? this.rt.host.list(t, ns) : [];
    };
    for (const quota of this.rt.host.list(info, ns)) {
      const hard = hardOf(quota);
      const hardJson: Record<string, string> = {};
      for (const [k, q] of hard) hardJson[k] = formatQuantity(q);
      const used = usageJson(namespaceUsage(hard.keys(), list, (k, o) => quotaTracks(quota, k, o)));
      this.rt.writeStatus(info, quota, { hard: hardJson, used });
    }
  }
}
