import type { Obj, ResourceInfo } from '../contracts.ts';
import { printedStatus, restartsOf } from './deps.ts';
import { metaOf } from './store.ts';
import { isObj } from './util.ts';

type Column = { name: string; type: string; format?: string; priority?: number; cell: (o: Obj, now: number) => unknown };

/** apimachinery's duration.HumanDuration, as kubectl prints AGE. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 192) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  const y = Math.floor(h / 24 / 365);
  const dy = Math.floor(h / 24) % 365;
  return h < 24 * 365 * 8 && dy !== 0 ? `${y}y${dy}d` : `${y}y`;
}

const get = (o: unknown, path: string): unknown => path.split('.').reduce<unknown>((cur, k) => (isObj(cur) ? cur[k] : undefined), o);
const num = (o: Obj, path: string): number => (typeof get(o, path) === 'number' ? (get(o, path) as number) : 0);
const name: Column = { name: 'Name', type: 'string', format: 'name', cell: (o) => metaOf(o).name };
const age: Column = { name: 'Age', type: 'string', cell: (o, now) => humanDuration(now - Date.parse(String(metaOf(o).creationTimestamp))) };
const str = (label: string, path: string, priority = 0): Column => ({ name: label, type: 'string', priority, cell: (o) => String(get(o, path) ?? '<none>') });
const int = (label: string, path: string): Column => ({ name: label, type: 'integer', cell: (o) => num(o, path) });
const count = (label: string, path: string): Column => ({ name: label, type: 'integer', cell: (o) => Object.keys((get(o, path) as Obj | undefined) ?? {}).length });
const containers = (o: Obj): Array<{ name: string; image: string }> => ((get(o, 'spec.template.spec.containers') ?? get(o, 'spec.containers') ?? []) as Array<{ name: string; image: string }>);
const wide: Column[] = [
  { name: 'Containers', type: 'string', priority: 1, cell: (o) => containers(o).map((c) => c.name).join(',') },
  { name: 'Images', type: 'string', priority: 1, cell: (o) => containers(o).map((c) => c.image).join(',') },
];

function ports(o: Obj): string {
  const list = (get(o, 'spec.ports') ?? []) as Array<{ port: number; protocol?: string; nodePort?: number }>;
  if (list.length === 0) return '<none>';
  return list.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

/** At most three entries, then " + N more..." (printers.go formatEndpoints, formatDiscoveryEndpoints). */
function firstThree(list: string[], empty: string): string {
  if (list.length === 0) return empty;
  return list.length > 3 ? `${list.slice(0, 3).join(',')} + ${list.length - 3} more...` : list.join(',');
}

function endpointsCell(o: Obj): string {
  const out: string[] = [];
  for (const ss of (o.subsets ?? []) as Array<{ addresses?: Array<{ ip: string }>; ports?: Array<{ port: number }> }>) {
    const addresses = ss.addresses ?? [];
    if (!ss.ports?.length) out.push(...addresses.map((a) => a.ip));
    else for (const p of ss.ports) out.push(...addresses.map((a) => `${a.ip}:${p.port}`));
  }
  return firstThree(out, '');
}

const sliceEndpoints = (o: Obj): string => firstThree(((o.endpoints ?? []) as Array<{ addresses?: string[] }>).flatMap((e) => e.addresses ?? []), '<unset>');
const slicePorts = (o: Obj): string => ((o.ports ?? []) as Array<{ port?: number }>).map((p) => (p.port === undefined ? '<unset>' : String(p.port))).join(',') || '<unset>';

const columnsByResource: Record<string, Column[]> = {
  '/endpoints': [name, { name: 'Endpoints', type: 'string', cell: endpointsCell }, age],
  'discovery.k8s.io/endpointslices': [name, str('AddressType', 'addressType'), { name: 'Ports', type: 'string', cell: slicePorts }, { name: 'Endpoints', type: 'string', cell: sliceEndpoints }, age],
  'apps/deployments': [name, { name: 'Ready', type: 'string', cell: (o) => `${num(o, 'status.readyReplicas')}/${num(o, 'spec.replicas')}` }, int('Up-to-date', 'status.updatedReplicas'), int('Available', 'status.availableReplicas'), age, ...wide],
  'apps/replicasets': [name, int('Desired', 'spec.replicas'), int('Current', 'status.replicas'), int('Ready', 'status.readyReplicas'), age, ...wide],
  'apps/statefulsets': [name, { name: 'Ready', type: 'string', cell: (o) => `${num(o, 'status.readyReplicas')}/${num(o, 'spec.replicas')}` }, age, ...wide],
  'apps/daemonsets': [name, int('Desired', 'status.desiredNumberScheduled'), int('Current', 'status.currentNumberScheduled'), int('Ready', 'status.numberReady'), int('Up-to-date', 'status.updatedNumberScheduled'), int('Available', 'status.numberAvailable'), { name: 'Node Selector', type: 'string', cell: (o) => Object.entries((get(o, 'spec.template.spec.nodeSelector') ?? {}) as Obj).map(([k, v]) => `${k}=${String(v)}`).join(',') || '<none>' }, age, ...wide],
  '/pods': [name, { name: 'Ready', type: 'string', cell: (o) => { const cs = (get(o, 'status.containerStatuses') ?? []) as Array<{ ready?: boolean }>; return `${cs.filter((c) => c.ready).length}/${containers(o).length}`; } }, { name: 'Status', type: 'string', cell: (o) => printedStatus(o) }, { name: 'Restarts', type: 'string', cell: (o) => String(restartsOf(o)) }, age, str('IP', 'status.podIP', 1), str('Node', 'spec.nodeName', 1)],
  '/services': [name, str('Type', 'spec.type'), str('Cluster-IP', 'spec.clusterIP'), { name: 'External-IP', type: 'string', cell: (o) => ((get(o, 'spec.externalIPs') as string[] | undefined) ?? []).join(',') || '<none>' }, { name: 'Port(s)', type: 'string', cell: ports }, age, { name: 'Selector', type: 'string', priority: 1, cell: (o) => Object.entries((get(o, 'spec.selector') ?? {}) as Obj).map(([k, v]) => `${k}=${String(v)}`).join(',') || '<none>' }],
  '/configmaps': [name, { name: 'Data', type: 'integer', cell: (o) => Object.keys((o.data ?? {}) as Obj).length + Object.keys((o.binaryData ?? {}) as Obj).length }, age],
  '/secrets': [name, str('Type', 'type'), count('Data', 'data'), age],
  '/namespaces': [name, { name: 'Status', type: 'string', cell: (o) => String(get(o, 'status.phase') ?? 'Active') }, age],
  '/serviceaccounts': [name, { name: 'Secrets', type: 'integer', cell: (o) => ((o.secrets ?? []) as unknown[]).length }, age],
  '/persistentvolumeclaims': [name, { name: 'Status', type: 'string', cell: (o) => String(get(o, 'status.phase') ?? 'Pending') }, str('Volume', 'spec.volumeName'), { name: 'Capacity', type: 'string', cell: (o) => String(get(o, 'status.capacity.storage') ?? '') }, { name: 'Access Modes', type: 'string', cell: (o) => ((get(o, 'status.accessModes') ?? []) as string[]).map((m) => ({ ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' })[m] ?? m).join(',') }, str('StorageClass', 'spec.storageClassName'), str('VolumeAttributesClass', 'spec.volumeAttributesClassName'), age],
  'batch/jobs': [name, { name: 'Status', type: 'string', cell: (o) => { const c = ((get(o, 'status.conditions') ?? []) as Array<{ type: string; status: string }>).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True'); return c ? c.type : 'Running'; } }, { name: 'Completions', type: 'string', cell: (o) => `${num(o, 'status.succeeded')}/${typeof get(o, 'spec.completions') === 'number' ? num(o, 'spec.completions') : 1}` }, { name: 'Duration', type: 'string', cell: (o, now) => { const start = get(o, 'status.startTime'); if (typeof start !== 'string') return ''; const end = get(o, 'status.completionTime'); return humanDuration((typeof end === 'string' ? Date.parse(end) : now) - Date.parse(start)); } }, age],
  'batch/cronjobs': [name, str('Schedule', 'spec.schedule'), str('Timezone', 'spec.timeZone'), { name: 'Suspend', type: 'boolean', cell: (o) => get(o, 'spec.suspend') === true ? 'True' : 'False' }, { name: 'Active', type: 'integer', cell: (o) => ((get(o, 'status.active') ?? []) as unknown[]).length }, str('Last Schedule', 'status.lastScheduleTime'), age],
  'networking.k8s.io/ingresses': [name, str('Class', 'spec.ingressClassName'), { name: 'Hosts', type: 'string', cell: (o) => ((get(o, 'spec.rules') ?? []) as Array<{ host?: string }>).map((r) => r.host ?? '*').join(',') || '*' }, { name: 'Address', type: 'string', cell: () => '' }, { name: 'Ports', type: 'string', cell: (o) => (get(o, 'spec.tls') ? '80, 443' : '80') }, age],
  'apiextensions.k8s.io/customresourcedefinitions': [name, { name: 'Created At', type: 'date', cell: (o) => metaOf(o).creationTimestamp }],
};

/** A JSONPath as additionalPrinterColumns use them: `.spec.x`, `.status.conditions[?(@.type=="Ready")].status`, `.a[0].b`. */
export function jsonPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const m of path.replace(/^\{?\$?/, '').replace(/\}$/, '').matchAll(/\.([^.[\]]+)|\[\?\(@\.([^=!]+)==["']([^"']*)["']\)\]|\[(\d+)\]/g)) {
    if (m[1] !== undefined) cur = isObj(cur) ? cur[m[1]] : undefined;
    else if (m[2] !== undefined) cur = Array.isArray(cur) ? cur.find((x) => isObj(x) && String(x[m[2]!]) === m[3]) : undefined;
    else cur = Array.isArray(cur) ? cur[Number(m[4])] : undefined;
  }
  return cur;
}

function columnsFor(info: ResourceInfo): Column[] {
  if (info.custom && info.printerColumns?.length) {
    const custom = info.printerColumns.map((c): Column => ({
      name: c.name, type: c.type, format: c.format, priority: c.priority ?? 0,
      // The CRD table convertor turns date columns into human-readable ages (ConvertToHumanReadableDateType).
      cell: (o, now) => { const v = jsonPath(o, c.jsonPath); if (v === undefined) return null; return c.type === 'date' ? humanDuration(now - Date.parse(String(v))) : isObj(v) || Array.isArray(v) ? JSON.stringify(v) : v; },
    }));
    return [name, ...custom, ...(info.printerColumns.some((c) => c.name.toLowerCase() === 'age') ? [] : [age])];
  }
  return columnsByResource[`${info.group}/${info.resource}`] ?? [name, age];
}

export function toTable(info: ResourceInfo, objects: Obj[], listMeta: Obj, includeObject: string | null): Obj {
  const columns = columnsFor(info);
  const now = Date.now();
  return {
    kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: listMeta,
    columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.name, priority: c.priority ?? 0 })),
    rows: objects.map((o) => {
      const row: Obj = { cells: columns.map((c) => c.cell(o, now)) };
      if (includeObject === 'Object') row.object = o;
      else if (includeObject !== 'None') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
      return row;
    }),
  };
}
