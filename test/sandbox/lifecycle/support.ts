import type { Obj } from '../../../sandbox/contracts.ts';
import { startControllers } from '../../../sandbox/lifecycle/index.ts';
import { MemoryHost, res } from './host.ts';

export const delay = 100;

/** A host with the controllers running on it and the fresh-cluster objects in place. */
export function cluster(): { host: MemoryHost; stop: () => void } {
  const host = new MemoryHost();
  const stop = startControllers(host, { readyDelayMs: delay, rootCA: 'PEM' });
  host.tick(0);
  return { host, stop };
}

export function deployment(name: string, image: string, extra: Obj = {}): Obj {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } }, ...extra },
  };
}

export function get(host: MemoryHost, group: string, kind: string, ns: string | undefined, name: string): Obj {
  const o = host.get(res(group, kind), ns, name);
  if (!o) throw new Error(`${kind} ${name} missing`);
  return o;
}

export function status(o: Obj): Obj {
  return (o.status as Obj | undefined) ?? {};
}

export function conditions(o: Obj): Array<Pick<Obj, 'type' | 'status' | 'reason' | 'message'>> {
  return ((status(o).conditions as Obj[] | undefined) ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message }));
}
