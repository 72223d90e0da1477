import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import { KubernetesObjectApi, Observable, type Configuration, type HttpMethod, type KubernetesObject, type RequestContext, type ResponseContext } from '@kubernetes/client-node';
import type { StatusBody } from './errors.ts';

/* The transport under KubernetesCluster: client-node's request machinery, with raw JSON bodies, a shared keep-alive agent and an optional per-request bearer token. */

/** What `send` resolves to: the status travels with the body so that every request can be counted by code. */
export interface RawResponse {
  status: number;
  body: unknown;
}

export class HttpStatusError extends Error {
  constructor(readonly status: number, readonly body: StatusBody | string | undefined, readonly headers: Record<string, string>) {
    super(`HTTP ${status}`);
  }
}

/**
 * client-node's object API with raw JSON in and out: its typed (de)serialisation drops unknown
 * fields and turns timestamps into Dates, which would corrupt server-side apply bodies and diffs.
 * Transport, TLS and authentication stay client-node's.
 */
export class RawObjectApi extends KubernetesObjectApi {
  private sharedAgent: HttpsAgent | undefined;

  /** maxSockets must be at least the engine's concurrency, or requests queue inside the agent. */
  constructor(configuration: Configuration, maxSockets = 32, token?: () => Promise<string>) {
    super(configuration);
    if (token) {
      // Middleware runs after client-node's own authentication, so this header is the one sent.
      configuration.middleware.push({
        pre: (context: RequestContext) => new Observable(token().then((value) => {
          context.setHeaderParam('Authorization', `Bearer ${value}`);
          return context;
        })),
        post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
      });
    }
    // client-node builds a fresh https.Agent for every request (a TLS handshake each time); one
    // keep-alive agent with the same TLS options makes 500 applies cost 500 requests, not 500 handshakes.
    configuration.middleware.push({
      pre: (context: RequestContext) => {
        const agent = context.getAgent();
        if (agent instanceof HttpsAgent) {
          this.sharedAgent ??= new HttpsAgent({ ...(agent as HttpsAgent & { options: AgentOptions }).options, keepAlive: true, maxSockets });
          context.setAgent(this.sharedAgent);
        }
        return new Observable(Promise.resolve(context));
      },
      post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
    });
  }

  async send(method: HttpMethod, path: string, query: Record<string, string> = {}, body?: { contentType: string; text: string }): Promise<RawResponse> {
    const context = this.configuration.baseServer.makeRequestContext(path, method);
    context.setHeaderParam('Accept', 'application/json');
    for (const [key, value] of Object.entries(query)) context.setQueryParam(key, value);
    if (body) {
      context.setHeaderParam('Content-Type', body.contentType);
      context.setBody(body.text);
    }
    return this.requestPromise(context) as unknown as Promise<RawResponse>;
  }

  protected override async processResponse<T extends KubernetesObject>(response: ResponseContext): Promise<T> {
    const text = await response.body.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) return { status: response.httpStatusCode, body: parsed } satisfies RawResponse as unknown as T;
    throw new HttpStatusError(response.httpStatusCode, parsed as StatusBody | string | undefined, response.headers);
  }
}

/**
 * At most `size` requests in flight. client-node's fetch (node-fetch 2) misreports a chunked
 * response as "Premature close" when the keep-alive agent hands its socket straight to a queued
 * request, so requests must wait here rather than queue inside the agent.
 */
export class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async acquire(): Promise<void> {
    if (this.active < this.size) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
