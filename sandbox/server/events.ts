// core/v1 Events and events.k8s.io/v1 Events are one resource in two shapes, as on a real server
// (pkg/apis/events/v1 conversion): one store bucket, and each read converts to the requested shape.
import type { Obj } from '../contracts.ts';

const pairs: Array<[core: string, events: string]> = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
  ['reportingComponent', 'reportingController'],
];

/** Whether a group/resource is the events.k8s.io face of core Events. */
export function isEventsApi(group: string, resource: string): boolean {
  return group === 'events.k8s.io' && resource === 'events';
}

/** An Event in the shape `apiVersion` asks for, whichever shape it was written in. */
export function eventAs(obj: Obj, apiVersion: string): Obj {
  const toEvents = apiVersion !== 'v1';
  const storedAsEvents = typeof obj.apiVersion === 'string' && obj.apiVersion.startsWith('events.k8s.io/');
  const out: Obj = { ...obj, apiVersion, kind: 'Event' };
  if (toEvents === storedAsEvents) return out;
  for (const [core, events] of pairs) {
    const [from, to] = toEvents ? [core, events] : [events, core];
    if (from in out) {
      if (out[from] !== undefined && out[from] !== null && out[from] !== '') out[to] = out[from];
      delete out[from];
    }
  }
  return out;
}
