import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SignedRequest } from './sigv4.ts';

/** One request as a test may inspect it: never a secret value or a signature. */
export interface RequestRecord {
  service: string;
  /** `GetSecretValue`, `AssumeRole`, `DescribeCluster`…; `''` when the request named none. */
  action: string;
  /** The caller's ARN once the signature checked out. */
  identity?: string;
  accessKeyId?: string;
  status: number;
  /** Error code answered, if any. */
  error?: string;
}

/** The next `count` calls of `action` (every action when omitted) answer this error instead. */
export interface Fault {
  action?: string;
  count: number;
  /** Default: the service's throttling error (`ThrottlingException`, STS `Throttling`). */
  code?: string;
  status?: number;
  message?: string;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

export interface ServiceCore {
  log: RequestRecord[];
  faults: Fault[];
  /** Consumes one matching fault, if any. */
  takeFault(action: string): Fault | undefined;
}

export function serviceCore(): ServiceCore {
  const core: ServiceCore = {
    log: [],
    faults: [],
    takeFault(action) {
      const fault = core.faults.find((f) => f.count > 0 && (f.action === undefined || f.action === action));
      if (fault) fault.count -= 1;
      return fault;
    },
  };
  return core;
}

/** Control methods every stand-in has. */
export interface StandinBase {
  url: string;
  requests(): RequestRecord[];
  resetRequests(): void;
  fail(fault: Fault): void;
  close(): Promise<void>;
}

async function readRequest(req: IncomingMessage): Promise<SignedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) };
}

/** Listens on 127.0.0.1, port 0; the handler never throws (a bug answers 500 with the stack). */
export async function listen(core: ServiceCore, handle: (req: SignedRequest) => Promise<Reply>): Promise<StandinBase> {
  const server = createServer((req, res) => {
    void readRequest(req)
      .then(handle)
      .catch((err: unknown): Reply => ({ status: 500, headers: { 'content-type': 'text/plain' }, body: String(err instanceof Error ? err.stack : err) }))
      .then((reply) => {
        res.writeHead(reply.status, { ...reply.headers, 'content-length': String(Buffer.byteLength(reply.body)) });
        res.end(reply.body);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => core.log.map((r) => ({ ...r })),
    resetRequests: () => { core.log.length = 0; },
    fail: (fault) => { core.faults.push({ ...fault }); },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
