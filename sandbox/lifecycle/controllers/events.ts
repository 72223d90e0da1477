// The event recorder controllers and the pretend kubelet share (client-go tools/record with its
// EventCorrelator): a repeat of the same source, object, type, reason and message bumps `count` and
// `lastTimestamp` of the one Event instead of writing another. The recorder remembers at most
// `maxEvents` events; past that the oldest Event is deleted, as the server's 1 h event TTL would,
// so a crash-looping pod cannot grow the store without bound.
import type { Obj, ResourceInfo } from '../../contracts.ts';
import { apiVersionOf, str } from '../util.ts';
import type { Runtime } from './runtime.ts';

export interface Source {
  component: string;
  host?: string;
}

interface Remembered {
  ns: string;
  name: string;
  count: number;
}

const maxEvents = 2000;

export class Recorder {
  private readonly known = new Map<string, Remembered>();
  private seq = 0;

  constructor(private readonly rt: Runtime) {}

  /** Records an event about `obj` (of type `info`); a no-op on hosts that do not serve Events. */
  record(info: ResourceInfo, obj: Obj, type: 'Normal' | 'Warning', reason: string, message: string, source: Source, fieldPath?: string): void {
    // Best effort, as client-go's broadcaster: a failed event write never fails the controller's work.
    try {
      this.write(info, obj, type, reason, message, source, fieldPath);
    } catch {
      // dropped, as a full broadcaster queue would drop it
    }
  }

  private write(info: ResourceInfo, obj: Obj, type: 'Normal' | 'Warning', reason: string, message: string, source: Source, fieldPath?: string): void {
    const eventInfo = this.rt.res('', 'Event');
    if (!eventInfo) return;
    const ns = str(obj, 'metadata', 'namespace') ?? 'default';
    const uid = str(obj, 'metadata', 'uid') ?? '';
    const key = `${source.component}\u0000${uid}\u0000${fieldPath ?? ''}\u0000${type}\u0000${reason}\u0000${message}`;
    const now = this.rt.now();
    const seen = this.known.get(key);
    if (seen) {
      this.known.delete(key);
      this.known.set(key, seen);
      const live = this.rt.host.get(eventInfo, seen.ns, seen.name);
      if (live) {
        seen.count++;
        this.rt.host.update(eventInfo, { ...live, count: seen.count, lastTimestamp: now }, source.component);
        return;
      }
    }
    const objName = str(obj, 'metadata', 'name') ?? '';
    // client-go names events <object>.<unix nanoseconds in hex>.
    const name = `${objName}.${(BigInt(this.rt.nowMs()) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16)}`;
    const involved: Obj = {
      kind: info.kind, namespace: str(obj, 'metadata', 'namespace'), name: objName, uid,
      apiVersion: apiVersionOf(info.group, info.version), resourceVersion: str(obj, 'metadata', 'resourceVersion'),
      ...(fieldPath ? { fieldPath } : {}),
    };
    if (!info.namespaced) delete involved.namespace;
    this.rt.host.create(eventInfo, {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: involved, reason, message,
      source: source.host ? { component: source.component, host: source.host } : { component: source.component },
      firstTimestamp: now, lastTimestamp: now, count: 1, type,
      eventTime: null, reportingComponent: source.component, reportingInstance: source.host ?? '',
    }, source.component);
    this.known.set(key, { ns, name, count: 1 });
    while (this.known.size > maxEvents) {
      const [oldest, gone] = this.known.entries().next().value as [string, Remembered];
      this.known.delete(oldest);
      if (this.rt.host.get(eventInfo, gone.ns, gone.name)) this.rt.host.delete(eventInfo, gone.ns, gone.name);
    }
  }
}
