import { request } from 'node:https';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { Obj } from '../../contracts.ts';
import type { Cluster } from '../cluster.ts';
import { metaOf } from '../store.ts';
import { isObj } from '../util.ts';

/**
 * One webhook call (apiserver admission/plugin/webhook/{config,request}, util/webhook): the
 * AdmissionReview is POSTed over HTTPS to `clientConfig.url` or to the Service's endpoint,
 * verified against `caBundle` (for a Service, under the name `<svc>.<ns>.svc`).
 */

/** A failed call; `invalid` marks a response that arrived but does not verify (VerifyAdmissionResponse). */
export class CallError extends Error {
  constructor(message: string, readonly invalid = false) { super(message); }
}

interface Target { url: string; host: string; port: number; path: string; servername: string }

/** The URL a message names and where it is really sent. */
export function target(cluster: Cluster, clientConfig: Obj, timeoutSeconds: number): Target {
  const q = `timeout=${timeoutSeconds}s`;
  if (typeof clientConfig.url === 'string') {
    const u = new URL(clientConfig.url);
    const display = `${clientConfig.url}${clientConfig.url.includes('?') ? '&' : '?'}${q}`;
    return { url: display, host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 443), path: `${u.pathname}${u.search ? `${u.search}&` : '?'}${q}`, servername: u.hostname };
  }
  const svc = isObj(clientConfig.service) ? clientConfig.service : {};
  const name = String(svc.name ?? '');
  const namespace = String(svc.namespace ?? '');
  const port = typeof svc.port === 'number' ? svc.port : 443;
  const path = typeof svc.path === 'string' ? svc.path : '/';
  const url = `https://${name}.${namespace}.svc:${port}${path}?${q}`;
  const fail = (why: string): never => { throw new CallError(`Post "${url}": ${why}`); };
  const services = cluster.registry.lookup('', 'v1', 'services')!;
  const service = cluster.store.get(services, namespace, name);
  if (!service) return fail(`service "${name}" not found`);
  const ports = ((service.spec as Obj | undefined)?.ports ?? []) as Obj[];
  const servicePort = ports.find((p) => p.port === port);
  if (!servicePort) return fail(`no service port ${port} found for service "${name}"`);
  const address = endpointOf(cluster, namespace, name, servicePort);
  if (!address) return fail(`no endpoints available for service "${name}"`);
  return { url, host: address.ip, port: address.port, path: `${path}?${q}`, servername: `${name}.${namespace}.svc` };
}

/** The first ready address of the Service's Endpoints, or of its EndpointSlices, for the port. */
function endpointOf(cluster: Cluster, namespace: string, name: string, servicePort: Obj): { ip: string; port: number } | undefined {
  const wanted = (p: Obj): boolean => (servicePort.name ? p.name === servicePort.name : true);
  const endpoints = cluster.registry.lookup('', 'v1', 'endpoints');
  const ep = endpoints ? cluster.store.get(endpoints, namespace, name) : undefined;
  for (const subset of ((ep?.subsets ?? []) as Obj[])) {
    const ip = ((subset.addresses ?? []) as Obj[])[0]?.ip;
    const port = ((subset.ports ?? []) as Obj[]).find(wanted)?.port;
    if (typeof ip === 'string' && typeof port === 'number') return { ip, port };
  }
  const slices = cluster.registry.lookup('discovery.k8s.io', 'v1', 'endpointslices');
  for (const slice of slices ? cluster.store.list(slices, namespace) : []) {
    if ((metaOf(slice).labels as Record<string, string> | undefined)?.['kubernetes.io/service-name'] !== name) continue;
    const ready = ((slice.endpoints ?? []) as Obj[]).find((e) => (e.conditions as Obj | undefined)?.ready !== false);
    const ip = (ready?.addresses as unknown[] | undefined)?.[0];
    const port = ((slice.ports ?? []) as Obj[]).find(wanted)?.port;
    if (typeof ip === 'string' && typeof port === 'number') return { ip, port };
  }
  return undefined;
}

/** POSTs the review; resolves with the parsed response body, rejects with a CallError naming the URL. */
export function post(t: Target, caBundle: string | undefined, timeoutSeconds: number, review: Obj): Promise<Obj> {
  const payload = JSON.stringify(review);
  const ca = caBundle ? Buffer.from(caBundle, 'base64').toString('utf8') : undefined;
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => reject(new CallError(`Post "${t.url}": ${why}`));
    const req = request({
      host: t.host, port: t.port, path: t.path, method: 'POST', ca, servername: isIP(t.servername) ? undefined : t.servername,
      checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(t.servername, cert),
      headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(payload) },
      timeout: timeoutSeconds * 1000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) return fail(`an error on the server ("${text.slice(0, 200)}") has prevented the request from succeeding`);
        try {
          const body: unknown = JSON.parse(text);
          if (isObj(body)) return resolve(body);
        } catch { /* reported below */ }
        reject(new CallError('the response is not a JSON object', true));
      });
    });
    req.on('timeout', () => { req.destroy(); fail('context deadline exceeded'); });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (req.destroyed && err.code === 'ECONNRESET') return;
      const why = err.code === 'ECONNREFUSED' ? `dial tcp ${t.host}:${t.port}: connect: connection refused`
        : err.code?.startsWith('ERR_TLS') || err.code?.includes('CERT') || err.code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ? `tls: failed to verify certificate: ${err.message}` : err.message;
      fail(why);
    });
    req.end(payload);
  });
}
