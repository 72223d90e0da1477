// Container rules of pkg/apis/core/validation (validateContainers, validateContainerPorts,
// validatePullPolicy, ValidateVolumeMounts, ValidateResourceRequirements, validateProbe and
// validateHandler), with the real field paths and messages.
import type { Obj, StatusCause } from '../../contracts.ts';
import { quantityValue } from '../../schema/index.ts';
import { isObj, listAt, str } from '../util.ts';
import { forbidden, invalid, notSupported, required } from './causes.ts';
import { dns1123Label } from './names.ts';

const duplicate = (field: string, value: unknown): StatusCause => ({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(value)}`, field });

/** validation.IsValidPortNum. */
export function portNumErrors(port: number): string[] {
  return port >= 1 && port <= 65535 ? [] : ['must be between 1 and 65535, inclusive'];
}

/** validation.IsValidPortName: an IANA_SVC_NAME. */
export function portNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.includes('--')) errs.push('must not contain consecutive hyphens');
  if (name.startsWith('-') || name.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

const protocols = ['SCTP', 'TCP', 'UDP'];
const pullPolicies = ['Always', 'IfNotPresent', 'Never'];

function ports(c: Obj, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  const names = new Set<string>();
  listAt(c, 'ports').forEach((p, i) => {
    const at = `${path}.ports[${i}]`;
    const name = str(p, 'name');
    if (name) {
      const errs = portNameErrors(name);
      for (const msg of errs) out.push(invalid(`${at}.name`, name, msg));
      if (errs.length === 0 && names.has(name)) out.push(duplicate(`${at}.name`, name));
      names.add(name);
    }
    const cp = p.containerPort;
    if (cp === undefined || cp === 0) out.push(required(`${at}.containerPort`));
    else if (typeof cp === 'number') for (const msg of portNumErrors(cp)) out.push(invalid(`${at}.containerPort`, cp, msg));
    if (typeof p.hostPort === 'number' && p.hostPort !== 0) for (const msg of portNumErrors(p.hostPort)) out.push(invalid(`${at}.hostPort`, p.hostPort, msg));
    const proto = str(p, 'protocol');
    if (!proto) out.push(required(`${at}.protocol`));
    else if (!protocols.includes(proto)) out.push(notSupported(`${at}.protocol`, proto, protocols));
  });
  return out;
}

function mounts(c: Obj, path: string, volumes: Set<string>): StatusCause[] {
  const out: StatusCause[] = [];
  const paths = new Set<string>();
  listAt(c, 'volumeMounts').forEach((m, i) => {
    const at = `${path}.volumeMounts[${i}]`;
    const name = str(m, 'name');
    if (!name) out.push(required(`${at}.name`));
    else if (!volumes.has(name)) out.push({ reason: 'FieldValueNotFound', message: `Not found: ${JSON.stringify(name)}`, field: `${at}.name` });
    const mountPath = str(m, 'mountPath');
    if (!mountPath) out.push(required(`${at}.mountPath`));
    else {
      if (paths.has(mountPath)) out.push(invalid(`${at}.mountPath`, mountPath, 'must be unique'));
      paths.add(mountPath);
    }
  });
  return out;
}

/** Requests may not exceed limits; the values are printed as the request and limit were given. */
function resources(c: Obj, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  const res = isObj(c.resources) ? c.resources : {};
  const limits = isObj(res.limits) ? res.limits : {};
  const requests = isObj(res.requests) ? res.requests : {};
  for (const [name, q] of Object.entries(requests)) {
    const limit = limits[name];
    if (limit === undefined) continue;
    const a = quantityValue(String(q));
    const b = quantityValue(String(limit));
    if (a !== undefined && b !== undefined && a > b) {
      out.push(invalid(`${path}.resources.requests[${name}]`, String(q), `must be less than or equal to ${name} limit of ${String(limit)}`));
    }
  }
  return out;
}

const handlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'];

/** validateHandler: exactly one of exec, httpGet, tcpSocket, grpc. */
function probe(p: unknown, path: string, liveness: boolean): StatusCause[] {
  if (!isObj(p)) return [];
  const out: StatusCause[] = [];
  let count = 0;
  for (const h of handlers) {
    if (p[h] === undefined || p[h] === null) continue;
    if (count > 0) out.push(forbidden(`${path}.${h}`, 'may not specify more than 1 handler type'));
    count++;
  }
  if (count === 0) out.push(required(path, 'must specify a handler type'));
  if (liveness && typeof p.successThreshold === 'number' && p.successThreshold !== 1) out.push(invalid(`${path}.successThreshold`, p.successThreshold, 'must be 1'));
  return out;
}

/** The rules every container (and init container) of a pod spec is held to. */
export function validateContainerList(list: Obj[], path: string, volumes: Set<string>, names: Set<string>, init: boolean): StatusCause[] {
  const out: StatusCause[] = [];
  list.forEach((c, i) => {
    const at = `${path}[${i}]`;
    const name = str(c, 'name');
    if (!name) out.push(required(`${at}.name`));
    else {
      for (const msg of dns1123Label(name)) out.push(invalid(`${at}.name`, name, msg));
      if (names.has(name)) out.push(duplicate(`${at}.name`, name));
      names.add(name);
    }
    if (!str(c, 'image')) out.push(required(`${at}.image`));
    out.push(...ports(c, at));
    const pull = str(c, 'imagePullPolicy');
    if (pull !== undefined && !pullPolicies.includes(pull)) out.push(notSupported(`${at}.imagePullPolicy`, pull, pullPolicies));
    out.push(...mounts(c, at, volumes));
    out.push(...resources(c, at));
    if (!init) {
      out.push(...probe(c.livenessProbe, `${at}.livenessProbe`, true));
      out.push(...probe(c.readinessProbe, `${at}.readinessProbe`, false));
      out.push(...probe(c.startupProbe, `${at}.startupProbe`, true));
    }
  });
  return out;
}

const restartPolicies = ['Always', 'OnFailure', 'Never'];

/** ValidatePodSpec's container-facing part: volumes named once, containers, restartPolicy. */
export function validatePodContainers(spec: Obj, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  const volumes = new Set<string>();
  listAt(spec, 'volumes').forEach((v, i) => {
    const name = str(v, 'name');
    if (!name) out.push(required(`${path}.volumes[${i}].name`));
    else {
      for (const msg of dns1123Label(name)) out.push(invalid(`${path}.volumes[${i}].name`, name, msg));
      if (volumes.has(name)) out.push(duplicate(`${path}.volumes[${i}].name`, name));
      volumes.add(name);
    }
  });
  const names = new Set<string>();
  out.push(...validateContainerList(listAt(spec, 'initContainers'), `${path}.initContainers`, volumes, names, true));
  out.push(...validateContainerList(listAt(spec, 'containers'), `${path}.containers`, volumes, names, false));
  const restart = str(spec, 'restartPolicy');
  if (restart !== undefined && !restartPolicies.includes(restart)) out.push(notSupported(`${path}.restartPolicy`, restart, restartPolicies));
  return out;
}
