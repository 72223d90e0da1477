import { ApiError } from '../contracts.ts';
import { badRequest } from './status.ts';
import { isObj } from './util.ts';

export const countedVerbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] as const;
export type Verb = (typeof countedVerbs)[number];
const writeVerbs = new Set<string>(['create', 'update', 'patch', 'delete', 'deletecollection']);

export interface Fault {
  verb?: string;
  resource?: string;
  count: number;
  kind: '429' | '500' | '503' | 'reset' | 'delay';
  retryAfterSeconds?: number;
  delayMs?: number;
}

/** Request counters and injected faults for tests and benchmarks (GET/POST /_sandbox/...). */
export class Instruments {
  private counts = this.zero();
  private faults: Fault[] = [];

  private zero(): { total: number; byVerb: Record<Verb, number>; writes: number; dryRun: number; discovery: number; byProtocol: Record<string, number>; connections: Record<string, number> } {
    return {
      total: 0, byVerb: Object.fromEntries(countedVerbs.map((v) => [v, 0])) as Record<Verb, number>, writes: 0, dryRun: 0, discovery: 0,
      byProtocol: { h2: 0, 'http/1.1': 0 }, connections: { h2: 0, 'http/1.1': 0 },
    };
  }

  /** A new connection, by the protocol it speaks (TLS: as negotiated by ALPN). */
  connection(protocol: string): void {
    const c = this.counts.connections;
    c[protocol] = (c[protocol] ?? 0) + 1;
  }

  count(verb: string, opts: { dryRun?: boolean; discovery?: boolean; protocol?: string }): void {
    const c = this.counts;
    c.total++;
    if (opts.protocol) c.byProtocol[opts.protocol] = (c.byProtocol[opts.protocol] ?? 0) + 1;
    if (verb in c.byVerb) c.byVerb[verb as Verb]++;
    if (opts.discovery) c.discovery++;
    if (writeVerbs.has(verb)) {
      if (opts.dryRun) c.dryRun++;
      else c.writes++;
    }
  }

  snapshot(): Record<string, unknown> {
    return structuredClone(this.counts);
  }

  reset(): void {
    this.counts = this.zero();
  }

  addFault(body: unknown): Fault {
    if (!isObj(body)) throw badRequest('fault: expected a JSON object');
    const kind = String(body.kind);
    if (!['429', '500', '503', 'reset', 'delay'].includes(kind)) throw badRequest(`fault: kind must be one of 429, 500, 503, reset, delay (got ${kind})`);
    const count = typeof body.count === 'number' && body.count > 0 ? body.count : 1;
    const fault: Fault = { kind: kind as Fault['kind'], count };
    if (typeof body.verb === 'string') fault.verb = body.verb;
    if (typeof body.resource === 'string') fault.resource = body.resource;
    if (typeof body.retryAfterSeconds === 'number') fault.retryAfterSeconds = body.retryAfterSeconds;
    if (typeof body.delayMs === 'number') fault.delayMs = body.delayMs;
    this.faults.push(fault);
    return fault;
  }

  clearFaults(): void {
    this.faults = [];
  }

  pendingFaults(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** The fault the next request of this verb/resource meets, consuming one of its count. */
  takeFault(verb: string, resource: string | undefined): Fault | undefined {
    const i = this.faults.findIndex((f) => (!f.verb || f.verb === verb) && (!f.resource || f.resource === resource));
    if (i < 0) return undefined;
    const fault = this.faults[i]!;
    fault.count--;
    if (fault.count <= 0) this.faults.splice(i, 1);
    return { ...fault };
  }
}

/** The Status a 429/500/503 fault answers with, as the real server's (throttling: TooManyRequests). */
export function faultError(fault: Fault): ApiError {
  if (fault.kind === '429') {
    const retry = fault.retryAfterSeconds ?? 1;
    return new ApiError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: retry });
  }
  if (fault.kind === '503') return new ApiError(503, 'ServiceUnavailable', 'The server is currently unable to handle the request', { retryAfterSeconds: fault.retryAfterSeconds });
  return new ApiError(500, 'InternalError', 'Internal error occurred: injected fault');
}
