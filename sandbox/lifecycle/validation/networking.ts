// Ingress rules (pkg/apis/networking/validation ValidateIngressSpec): hosts and HTTP paths.
import { isIP } from 'node:net';
import type { Obj, StatusCause } from '../../contracts.ts';
import { listAt, objAt, str } from '../util.ts';
import { invalid, notSupported, required } from './causes.ts';
import { dns1123Subdomain } from './names.ts';

const wildcardFmt = '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';

/** IsWildcardDNS1123Subdomain. */
function wildcardErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push('must be no more than 253 characters');
  if (!new RegExp(`^${wildcardFmt}$`).test(v)) {
    errs.push(`a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '${wildcardFmt}')`);
  }
  return errs;
}

export function hostErrors(host: string): string[] {
  const errs: string[] = [];
  if (isIP(host) !== 0) errs.push('must be a DNS name, not an IP address');
  return [...errs, ...(host.includes('*') ? wildcardErrors(host) : dns1123Subdomain(host))];
}

const pathTypes = ['Exact', 'ImplementationSpecific', 'Prefix'];

function httpPath(p: Obj, at: string): StatusCause[] {
  const out: StatusCause[] = [];
  const type = str(p, 'pathType');
  const path = str(p, 'path') ?? '';
  if (type === undefined) return [required(`${at}.pathType`, 'pathType must be specified')];
  if (type === 'Exact' || type === 'Prefix') {
    if (!path.startsWith('/')) out.push(invalid(`${at}.path`, path, 'must be an absolute path'));
    for (const bad of ['//', '/./', '/../', '%2f', '%2F']) if (path.includes(bad)) out.push(invalid(`${at}.path`, path, `must not contain '${bad}'`));
    for (const end of ['/..', '/.']) if (path.endsWith(end)) out.push(invalid(`${at}.path`, path, `cannot end with '${end}'`));
  } else if (type === 'ImplementationSpecific') {
    if (path.length > 0 && !path.startsWith('/')) out.push(invalid(`${at}.path`, path, 'must be an absolute path'));
  } else {
    out.push(notSupported(`${at}.pathType`, type, pathTypes));
  }
  const backend = objAt(p, 'backend');
  if (!backend) out.push(required(`${at}.backend`));
  return out;
}

export function validateIngress(o: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  listAt(o, 'spec', 'rules').forEach((rule, i) => {
    const at = `spec.rules[${i}]`;
    const host = str(rule, 'host');
    if (host) for (const msg of hostErrors(host)) out.push(invalid(`${at}.host`, host, msg));
    const http = objAt(rule, 'http');
    if (!http) return;
    listAt(http, 'paths').forEach((p, j) => out.push(...httpPath(p, `${at}.http.paths[${j}]`)));
  });
  listAt(o, 'spec', 'tls').forEach((tls, i) => {
    const hosts = (tls.hosts ?? []) as unknown[];
    hosts.forEach((h, j) => {
      if (typeof h === 'string' && h) for (const msg of (h.includes('*') ? wildcardErrors(h) : dns1123Subdomain(h))) out.push(invalid(`spec.tls[${i}].hosts[${j}]`, h, msg));
    });
  });
  return out;
}
