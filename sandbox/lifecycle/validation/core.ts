// Core kinds' spec rules clients run into, after pkg/apis/core/validation (ValidateService).
import type { Obj, StatusCause } from '../../contracts.ts';
import { listAt, objAt, str } from '../util.ts';
import { invalid, notSupported, required } from './causes.ts';

const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

export function validateService(o: Obj): StatusCause[] {
  const spec = objAt(o, 'spec') ?? {};
  const out: StatusCause[] = [];
  const type = str(spec, 'type') ?? 'ClusterIP';
  if (!serviceTypes.includes(type)) out.push(notSupported('spec.type', type, serviceTypes));
  const ports = listAt(spec, 'ports');
  const headless = spec.clusterIP === 'None';
  if (ports.length === 0 && type !== 'ExternalName' && !headless) out.push(required('spec.ports'));
  if (type === 'ExternalName' && !str(spec, 'externalName')) out.push(required('spec.externalName'));
  const names = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    const name = str(p, 'name');
    if (ports.length > 1 && !name) out.push(required(`${path}.name`));
    if (name) {
      if (names.has(name)) out.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(name)}`, field: `${path}.name` });
      names.add(name);
    }
    const port = p.port;
    if (typeof port === 'number' && (port < 1 || port > 65535)) out.push(invalid(`${path}.port`, port, 'must be between 1 and 65535, inclusive'));
    const proto = str(p, 'protocol');
    if (proto && !['TCP', 'UDP', 'SCTP'].includes(proto)) out.push(notSupported(`${path}.protocol`, proto, ['SCTP', 'TCP', 'UDP']));
    if (typeof p.nodePort === 'number' && p.nodePort !== 0) {
      // The same node port may serve TCP and UDP, not twice the same protocol.
      const key = `${proto ?? 'TCP'}/${p.nodePort}`;
      if (nodePorts.has(key)) out.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${p.nodePort}`, field: `${path}.nodePort` });
      nodePorts.add(key);
    }
    if (typeof p.nodePort === 'number' && type !== 'NodePort' && type !== 'LoadBalancer') {
      out.push({ reason: 'FieldValueForbidden', message: `Forbidden: may not be used when \`type\` is '${type}'`, field: `${path}.nodePort` });
    }
  });
  return out;
}
