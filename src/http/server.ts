import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';

/** The slice of a Hono app the listener needs. */
export interface FetchApp {
  fetch: Parameters<typeof serve>[0]['fetch'];
}

export interface ListenOptions {
  port?: number;
  /** Default 127.0.0.1: exposing the API is an explicit choice. */
  host?: string;
  /** A whole request (headers and body) must arrive within this; default 30 s (GitHub gives up after 10). */
  requestTimeoutMs?: number;
  /** Headers must arrive within this; default 10 s. */
  headersTimeoutMs?: number;
}

export interface Listener {
  url: string;
  port: number;
  /** Requests being answered now. */
  inFlight(): number;
  /**
   * Stops accepting, lets requests in flight finish for up to `graceMs`, then closes every
   * connection left (a slow client cannot hold the process). Resolves with how many requests
   * were cut off.
   */
  stop(graceMs: number): Promise<{ cutOff: number }>;
}

/** Binds an HTTP app to a port on @hono/node-server, with bounded request times and a bounded stop. */
export async function listen(app: FetchApp, options: ListenOptions = {}): Promise<Listener> {
  const host = options.host ?? '127.0.0.1';
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, () => resolve(s));
    s.once('error', reject);
  });
  const http = server as ServerType & {
    requestTimeout?: number; headersTimeout?: number;
    closeIdleConnections?: () => void; closeAllConnections?: () => void;
  };
  http.requestTimeout = options.requestTimeoutMs ?? 30_000;
  http.headersTimeout = options.headersTimeoutMs ?? 10_000;

  let active = 0;
  let stopping = false;
  const idleWaiters: Array<() => void> = [];
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    active++;
    // Once stopping, a finished response must not leave its keep-alive connection open.
    if (stopping && !res.headersSent) res.setHeader('connection', 'close');
    res.once('close', () => {
      active--;
      if (stopping) http.closeIdleConnections?.();
      if (active === 0) for (const wake of idleWaiters.splice(0)) wake();
    });
  });

  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let stopped: Promise<{ cutOff: number }> | undefined;
  return {
    url,
    port,
    inFlight: () => active,
    stop(graceMs) {
      stopped ??= (async () => {
        stopping = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        http.closeIdleConnections?.();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const drained = active === 0 ? Promise.resolve(true) : new Promise<boolean>((resolve) => idleWaiters.push(() => resolve(true)));
        const expired = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
        const finished = await Promise.race([drained, expired]);
        clearTimeout(timer);
        const cutOff = finished ? 0 : active;
        http.closeAllConnections?.();
        await closed;
        return { cutOff };
      })();
      return stopped;
    },
  };
}
