import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { Sandbox } from '../../../sandbox/index.ts';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test assertions walk arbitrary JSON
  json: any;
}

export interface RawOptions {
  token?: string | null;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

/** One HTTP request to the sandbox, trusting its CA; token defaults to the admin's (null: none). */
export function call(sb: Sandbox, method: string, path: string, options: RawOptions = {}): Promise<RawResponse> {
  const url = new URL(path, sb.url);
  const token = options.token === undefined ? sb.adminToken : options.token;
  const headers: Record<string, string> = { ...options.headers };
  if (token) headers.authorization = `Bearer ${token}`;
  let payload: string | undefined;
  if (options.body !== undefined) {
    payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method, headers, ca: sb.caPem || undefined }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export const cm = (name: string, data: Record<string, string> = { a: '1' }, labels?: Record<string, string>): Record<string, unknown> => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels ? { labels } : {}) }, data,
});

export const deployment = (name: string, replicas = 1, image = 'nginx:1.25'): Record<string, unknown> => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels: { app: name } },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } } },
});

/** Reads a watch stream until `until` says stop or the stream ends; returns the events. */
export async function readWatch(sb: Sandbox, path: string, until: (events: Array<{ type: string; object: Record<string, any> }>) => boolean, timeoutMs = 5000): Promise<Array<{ type: string; object: Record<string, any> }>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const url = new URL(path, sb.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const events: Array<{ type: string; object: Record<string, any> }> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    let buffer = '';
    const timer = setTimeout(() => { req.destroy(); resolve(events); }, timeoutMs);
    const req = send(url, { headers: { authorization: `Bearer ${sb.adminToken}` }, ca: sb.caPem || undefined }, (res) => {
      res.on('data', (c: Buffer) => {
        buffer += c.toString('utf8');
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim()) events.push(JSON.parse(line) as { type: string; object: Record<string, unknown> });
        }
        if (until(events)) { clearTimeout(timer); req.destroy(); resolve(events); }
      });
      res.on('end', () => { clearTimeout(timer); resolve(events); });
    });
    req.on('error', (err) => { if (!req.destroyed) reject(err); });
    req.end();
  });
}
