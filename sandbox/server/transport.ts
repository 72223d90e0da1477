// The listening socket: HTTPS speaking HTTP/2 (ALPN h2) and HTTP/1.1 on one port, as kube-apiserver
// does (kubectl and client-go negotiate h2; node-fetch and https.Agent stay on HTTP/1.1), or plain
// HTTP/1.1 for debugging. The handler sees Node's HTTP/1 objects or the http2 compatibility ones.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

export type Request = IncomingMessage | Http2ServerRequest;
export type Response = ServerResponse | Http2ServerResponse;
export type Handler = (req: Request, res: Response) => void;

export interface Transport {
  port: number;
  close(): Promise<void>;
}

export interface TransportOptions {
  port: number;
  tls?: { certPem: string; keyPem: string };
  /** Called once per connection with the protocol it speaks ('h2', 'http/1.1'). */
  onConnection?: (protocol: string) => void;
}

/** Idle HTTP/1.1 keep-alive connections stay open this long (clients' agents expect longer than Node's 5 s). */
const keepAliveMs = 65_000;

export async function listen(handler: Handler, options: TransportOptions): Promise<Transport> {
  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  let server: ReturnType<typeof createHttpServer> | ReturnType<typeof createSecureServer>;
  if (options.tls) {
    const secure = createSecureServer({ cert: options.tls.certPem, key: options.tls.keyPem, allowHTTP1: true }, handler);
    // The HTTP/1.1 fallback runs node:http's connection handling with this server as `this`.
    (secure as unknown as { keepAliveTimeout: number }).keepAliveTimeout = keepAliveMs;
    secure.on('secureConnection', (socket: TLSSocket) => {
      track(socket);
      options.onConnection?.(socket.alpnProtocol || 'http/1.1');
    });
    secure.on('session', (session: Http2Session) => {
      sessions.add(session);
      session.once('close', () => sessions.delete(session));
    });
    server = secure;
  } else {
    const plain = createHttpServer(handler);
    plain.keepAliveTimeout = keepAliveMs;
    plain.on('connection', (socket: Socket) => {
      track(socket);
      options.onConnection?.('http/1.1');
    });
    server = plain;
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Watches and keep-alive connections would hold close() open forever.
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
    }),
  };
}
