import type { Auth, User } from './auth.ts';
import type { Cluster } from './cluster.ts';
import { wantsAggregated, type Discovery } from './discovery.ts';
import { faultError, type Instruments } from './instruments.ts';
import type { OpenAPIService } from './openapi.ts';
import { decodeProtobuf, protobufMagic } from './protobuf/decode.ts';
import { requestInfo, type RequestInfo } from './request.ts';
import { handleResource, resourceNotFound, type Reply } from './resources.ts';
import { statusBody, toApiError } from './status.ts';
import type { Handler, Request, Response } from './transport.ts';

export const versionInfo = {
  major: '1', minor: '34', emulationMajor: '1', emulationMinor: '34', minCompatibilityMajor: '1', minCompatibilityMinor: '33',
  gitVersion: 'v1.34.1', gitCommit: '93248f9ae092f571eb870b7664c534bfc7d00f03', gitTreeState: 'clean', buildDate: '2025-09-09T19:35:45Z',
  goVersion: 'go1.24.6', compiler: 'gc', platform: 'linux/amd64',
};

export interface ServerParts {
  cluster: Cluster;
  auth: Auth;
  discovery: Discovery;
  openapi: OpenAPIService;
  instruments: Instruments;
  latencyMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const health = new Set(['/healthz', '/livez', '/readyz', '/healthz/ping', '/livez/ping', '/readyz/ping']);

function readBody(req: Request): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      // client-go's typed clients (kubectl create, auth can-i) send built-in kinds as protobuf.
      try {
        resolve(body.subarray(0, 4).equals(protobufMagic) ? JSON.stringify(decodeProtobuf(body)) : body.toString('utf8'));
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

function send(res: Response, status: number, body: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', ...headers });
  res.end(body);
}

function sendReply(res: Response, reply: Reply): void {
  const headers: Record<string, string | string[]> = {};
  // The real server's warning headers: code 299, agent "-", quoted text (k8s.io/apiserver/pkg/warning).
  if (reply.warnings?.length) headers.Warning = reply.warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  send(res, reply.status, JSON.stringify(reply.body), headers);
}

export function createHandler(parts: ServerParts): Handler {
  return (req, res) => {
    handle(parts, req, res).catch((err: unknown) => {
      const apiErr = toApiError(err);
      if (!res.headersSent) send(res, apiErr.status, JSON.stringify(statusBody(apiErr)), apiErr.details?.retryAfterSeconds !== undefined ? { 'Retry-After': String(apiErr.details.retryAfterSeconds) } : {});
      else res.end();
    });
  };
}

async function handle(parts: ServerParts, req: Request, res: Response): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const path = decodePath(url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname);
  const method = req.method ?? 'GET';
  if (path.startsWith('/_sandbox/')) return instrumentsEndpoint(parts, method, path, await readBody(req), res);
  const body = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);
  const ri = requestInfo(method, path, url.searchParams);
  const isDiscovery = !ri.isResource && method === 'GET' && (path === '/version' || path === '/api' || path === '/apis' || path.startsWith('/api/') || path.startsWith('/apis/') || path.startsWith('/openapi/'));
  const verb = ri.isResource ? ri.verb : 'get';
  const dryRun = url.searchParams.getAll('dryRun').length > 0;
  if (!health.has(path)) parts.instruments.count(verb, { dryRun, discovery: isDiscovery, protocol: req.httpVersionMajor === 2 ? 'h2' : 'http/1.1' });
  if (parts.latencyMs > 0) await sleep(parts.latencyMs);
  const fault = health.has(path) ? undefined : parts.instruments.takeFault(verb, ri.isResource ? ri.resource : undefined);
  // A reset drops the connection; on HTTP/2 req.socket would reset this stream only, which clients do not retry.
  if (fault?.kind === 'reset') { if ('stream' in req) req.stream.session?.destroy(); else req.socket.destroy(); return; }
  if (fault?.kind === 'delay') await sleep(fault.delayMs ?? 1000);
  else if (fault) throw faultError(fault);

  if (path === '/version') return send(res, 200, JSON.stringify(versionInfo, null, 2));
  if (health.has(path)) return send(res, 200, 'ok', { 'Content-Type': 'text/plain; charset=utf-8' });
  const user = await parts.auth.authenticate(req.headers.authorization);
  const attrs = ri.isResource ? { verb: ri.verb, resource: ri.resource, subresource: ri.subresource, group: ri.group, namespace: ri.namespace, name: ri.name, path } : { verb: method.toLowerCase() === 'get' ? 'get' : method.toLowerCase(), path };
  if (!parts.auth.allowed(user, attrs)) throw parts.auth.forbidden(user, attrs);
  if (!ri.isResource) return nonResource(parts, path, url, req, res);
  const reply = await handleResource(parts.cluster, { ri, params: url.searchParams, req, res, body, user: user as User, auth: parts.auth });
  if (reply) sendReply(res, reply);
}

function nonResource(parts: ServerParts, path: string, url: URL, req: Request, res: Response): void {
  const { discovery, openapi } = parts;
  const accept = req.headers.accept;
  const rendered = path === '/api' ? (wantsAggregated(accept) ? discovery.aggregated(true, wantsAggregated(accept)!) : discovery.apiVersions())
    : path === '/apis' ? (wantsAggregated(accept) ? discovery.aggregated(false, wantsAggregated(accept)!) : discovery.groupList())
    : legacy(parts, path);
  if (rendered) {
    if (req.headers['if-none-match'] === rendered.etag) { res.writeHead(304, { ETag: rendered.etag }); res.end(); return; }
    return send(res, 200, rendered.body, { 'Content-Type': rendered.contentType, ETag: rendered.etag, Vary: 'Accept' });
  }
  if (path === '/openapi/v3') return send(res, 200, openapi.index());
  if (path.startsWith('/openapi/v3/')) {
    const doc = openapi.document(path.slice('/openapi/v3/'.length));
    if (!doc) throw resourceNotFound();
    const etag = `"${doc.hash}"`;
    const hash = url.searchParams.get('hash');
    if (hash && hash !== doc.hash) { res.writeHead(301, { Location: `${path}?hash=${doc.hash}` }); res.end(); return; }
    if (req.headers['if-none-match'] === etag) { res.writeHead(304, { ETag: etag }); res.end(); return; }
    const caching: Record<string, string> = hash ? { 'Cache-Control': 'public, immutable', Expires: new Date(Date.now() + 365 * 86400_000).toUTCString() } : {};
    return send(res, 200, doc.body, { ETag: etag, Vary: 'Accept', ...caching });
  }
  throw resourceNotFound();
}

/** Go's net/http hands the apiserver a decoded URL.Path (client-node sends `system%3Adiscovery`). */
function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function legacy(parts: ServerParts, path: string): ReturnType<Discovery['groupList']> | undefined {
  const seg = path.split('/').filter(Boolean);
  if (seg[0] === 'api' && seg.length === 2) return parts.discovery.resourceList('', seg[1]!);
  if (seg[0] === 'apis' && seg.length === 2) return parts.discovery.apiGroup(seg[1]!);
  if (seg[0] === 'apis' && seg.length === 3) return parts.discovery.resourceList(seg[1]!, seg[2]!);
  return undefined;
}

function instrumentsEndpoint(parts: ServerParts, method: string, path: string, body: string, res: Response): void {
  const { instruments } = parts;
  if (path === '/_sandbox/requests' && method === 'GET') return send(res, 200, JSON.stringify(instruments.snapshot()));
  if (path === '/_sandbox/requests/reset' && method === 'POST') { instruments.reset(); return send(res, 200, JSON.stringify(instruments.snapshot())); }
  if (path === '/_sandbox/faults' && method === 'POST') return send(res, 201, JSON.stringify(instruments.addFault(body ? JSON.parse(body) : {})));
  if (path === '/_sandbox/faults' && method === 'GET') return send(res, 200, JSON.stringify(instruments.pendingFaults()));
  if (path === '/_sandbox/faults' && method === 'DELETE') { instruments.clearFaults(); return send(res, 200, '[]'); }
  // Audit annotations of admission (PodSecurity), which a real server writes to its audit log.
  if (path === '/_sandbox/audit' && method === 'GET') return send(res, 200, JSON.stringify(parts.cluster.audit.records));
  if (path === '/_sandbox/audit' && method === 'DELETE') { parts.cluster.audit.clear(); return send(res, 200, '[]'); }
  throw resourceNotFound();
}

export type { RequestInfo };
