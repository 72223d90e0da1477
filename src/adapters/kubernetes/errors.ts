import { DriftlessError } from '../../core/errors.ts';
import { isTransientNetworkError, isTransientStatus, parseRetryAfter } from '../../core/retry.ts';

/** A Kubernetes `Status` body, as the API server sends it with every failure. */
export interface StatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { retryAfterSeconds?: number; causes?: Array<{ field?: string; message?: string; reason?: string }> };
}

export type Verb = 'list' | 'get' | 'apply' | 'patch' | 'delete' | 'discovery' | 'openapi';

/**
 * A server-side apply whose body does not fit the schema (wrong type, undeclared field) is answered
 * 500 `failed to create typed patch object (…)` (kubernetes/kubernetes#122480; an open PR makes it
 * 400), and a strict field validation failure 400 `strict decoding error: …`.
 */
const schemaMismatch = /^(failed to create typed patch object|strict decoding error)/;

/**
 * Admission plugins refuse with 403 `<resource> "<name>" is forbidden: <why>`: PodSecurity
 * (`violates PodSecurity "<level>:<version>": …`), ResourceQuota (`exceeded quota: <name>, …`,
 * `failed quota: <name>: …`) and LimitRanger (`maximum|minimum <resource> usage per <type> is …`).
 * RBAC's 403 reads `User "…" cannot …` instead.
 */
const admission = /is forbidden: (?:violates (PodSecurity "[^"]+")|(?:exceeded|failed) quota: ([^,:\s]+)|(?:maximum|minimum) \S+ usage per )/;

/** The policy an admission refusal names (`PodSecurity "restricted:latest"`, `ResourceQuota "pods2"`, `LimitRange`), or undefined for any other 403. */
export function admissionPolicy(message: string): string | undefined {
  const m = admission.exec(message);
  if (!m) return undefined;
  if (m[1]) return m[1];
  if (m[2]) return `ResourceQuota "${m[2]}"`;
  return 'LimitRange';
}

/**
 * A validating or mutating webhook's refusal (apiserver webhook/errors ToStatusErr): `admission
 * webhook "<name>" denied the request: <why>`, with the code the webhook chose (400 unless it said).
 */
const webhookDenial = /^admission webhook "([^"]+)" denied the request/;

/**
 * A ValidatingAdmissionPolicy's refusal (policy/validating dispatcher.go): `<resource> "<name>" is
 * forbidden: ValidatingAdmissionPolicy '<policy>' with binding '<binding>' denied request: <why>`
 * (without the binding for a policy it could not configure), 422 unless the validation's reason
 * chose 403, 401 or 413.
 */
const policyDenial = /ValidatingAdmissionPolicy '([^']+)'(?: with binding '([^']+)')? denied request/;

/**
 * Maps an HTTP failure to a DriftlessError that keeps the API server's own message: 401/403 →
 * CLUSTER_UNAUTHORIZED, except an admission refusal (or a webhook's or ValidatingAdmissionPolicy's denial, 4xx) → ADMISSION_DENIED (permanent); an apply body that does not fit the schema → APPLY_FAILED (permanent, with
 * `schemaMismatch`, whatever the status); 429/5xx → CLUSTER_UNAVAILABLE (transient, with
 * Retry-After); 409 on apply → APPLY_CONFLICT; any other refusal → APPLY_FAILED.
 */
export function statusError(status: number, body: StatusBody | string | undefined, headers: Record<string, string>, verb: Verb, server: string): DriftlessError {
  const message = typeof body === 'object' && body?.message ? body.message : typeof body === 'string' && body.trim() ? body.trim().slice(0, 500) : `HTTP ${status}`;
  const reason = typeof body === 'object' ? body.reason : undefined;
  const details = { status, ...(reason ? { reason } : {}) };
  if (status === 401) return new DriftlessError('CLUSTER_UNAUTHORIZED', `the API server at ${server} rejected the credentials (401 Unauthorized): check the kubeconfig's token or certificate`, details);
  const policy = status === 403 ? admissionPolicy(message) : undefined;
  if (policy) {
    // Granting permissions cannot help: the object breaks a policy of its namespace.
    return new DriftlessError('ADMISSION_DENIED', `${message} (refused by the namespace's ${policy} admission policy: change the manifest to satisfy it, or change the namespace's policy)`, { ...details, policy, transient: false });
  }
  const webhook = status >= 400 && status < 500 ? webhookDenial.exec(message)?.[1] : undefined;
  if (webhook) {
    return new DriftlessError('ADMISSION_DENIED', `${message} (refused by the cluster's admission webhook "${webhook}": change the manifest to satisfy it, or ask the webhook's owner)`, { ...details, policy: `webhook "${webhook}"`, transient: false });
  }
  const vap = status >= 400 && status < 500 ? policyDenial.exec(message) : null;
  if (vap) {
    const policy = `ValidatingAdmissionPolicy "${vap[1] ?? ''}"${vap[2] ? ` (binding "${vap[2]}")` : ''}`;
    return new DriftlessError('ADMISSION_DENIED', `${message} (refused by the cluster's ${policy}: change the manifest to satisfy it, or ask the policy's owner)`, { ...details, policy, transient: false });
  }
  if (status === 403) return new DriftlessError('CLUSTER_UNAUTHORIZED', `${message} (403 Forbidden: grant driftless's identity this permission)`, details);
  if (verb === 'apply' && (status === 500 || status === 400) && schemaMismatch.test(message)) {
    // The manifest's fault, not an outage: retrying the same body cannot help (unless the schema
    // itself is about to change, which only the engine knows).
    return new DriftlessError('APPLY_FAILED', `${message} (the object does not fit the server's schema for its kind: fix or remove the field named)`, { ...details, transient: false, schemaMismatch: true });
  }
  if (isTransientStatus(status)) {
    const header = headers['retry-after'];
    const bodyAfter = typeof body === 'object' ? body.details?.retryAfterSeconds : undefined;
    const retryAfterMs = parseRetryAfter(header) ?? (bodyAfter !== undefined ? bodyAfter * 1000 : undefined);
    return new DriftlessError('CLUSTER_UNAVAILABLE', `the API server at ${server} answered ${status}: ${message}`, { ...details, transient: true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }
  if (status === 409 && verb === 'apply') return new DriftlessError('APPLY_CONFLICT', `${message} (another field manager owns these fields; set force: true on the app to let Git win)`, details);
  return new DriftlessError('APPLY_FAILED', message, details);
}

/** Network failures (refused, reset, timeout) are transient CLUSTER_UNAVAILABLE; others pass through. */
export function networkError(err: unknown, server: string): unknown {
  if (err instanceof DriftlessError) return err;
  if (isTransientNetworkError(err) || (err instanceof Error && /fetch failed|ECONNREFUSED|ECONNRESET|socket hang up|ETIMEDOUT/i.test(`${err.message} ${String((err as { cause?: unknown }).cause ?? '')}`))) {
    return new DriftlessError('CLUSTER_UNAVAILABLE', `cannot reach the API server at ${server}: ${err instanceof Error ? err.message : String(err)}`, { transient: true }, { cause: err });
  }
  return err;
}
