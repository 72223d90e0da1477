/** W3C trace context: version-traceid-parentid-flags, the trace id 32 lowercase hex digits, not all zero. */
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
/** API Gateway / ALB: Root=1-<8 hex>-<24 hex>, among other fields. */
const AMZN_ROOT = /(?:^|;)\s*Root=(1-[0-9a-f]{8}-[0-9a-f]{24})\s*(?:;|$)/i;

/**
 * The trace id a caller sent, to carry on the log lines of the work its request causes. Only
 * well-formed ids are taken: the header is caller-controlled and ends up in every log line.
 */
export function traceOf(header: (name: string) => string | undefined): string | undefined {
  const parent = header('traceparent')?.trim().toLowerCase();
  const w3c = parent ? TRACEPARENT.exec(parent)?.[1] : undefined;
  if (w3c && !/^0+$/.test(w3c)) return w3c;
  return AMZN_ROOT.exec(header('x-amzn-trace-id') ?? '')?.[1];
}
