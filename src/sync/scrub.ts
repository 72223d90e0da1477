import { type Scrubber, scrubberOf } from '../core/scrub.ts';
import type { ProgressEvent, ProgressListener } from '../core/progress.ts';
import type { KubeObject, SyncResult } from '../core/types.ts';
import { addSecretObject } from '../render/secret-values.ts';

/**
 * The one place where text of a sync leaves it: every SyncResult message and every progress event
 * goes through the sync's scrubber (the values of the Secrets its render read), so no path that
 * quotes a tool or the API server can forget it.
 */
export function scrubbingListener(listener: ProgressListener | undefined, scrubber: Scrubber): ProgressListener | undefined {
  if (!listener) return undefined;
  return (event) => listener(typeof event.message === 'string' ? ({ ...event, message: scrubber.scrub(event.message) } as ProgressEvent) : event);
}

export function scrubResult(result: SyncResult, scrubber: Scrubber): SyncResult {
  return {
    ...result,
    errors: result.errors.map((e) => ({ ...e, message: scrubber.scrub(e.message) })),
    objects: result.objects.map((o) => (o.message === undefined ? o : { ...o, message: scrubber.scrub(o.message) })),
  };
}

/** Learns what a failed render read (its error carries its scrubber), then returns the error scrubbed. */
export function scrubThrown(err: unknown, scrubber: Scrubber): unknown {
  scrubber.absorb(scrubberOf(err));
  return scrubber.scrubError(err);
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Live Secrets the plan read (the API server may quote their current values, or the copy kubectl
 * left in the last-applied annotation, while refusing a change).
 */
export function learnLiveSecrets(live: Iterable<KubeObject>, scrubber: Scrubber): void {
  for (const obj of live) {
    if (obj.kind !== 'Secret') continue;
    addSecretObject(obj, scrubber);
    const annotation = obj.metadata.annotations?.[LAST_APPLIED];
    if (annotation === undefined) continue;
    try {
      addSecretObject(JSON.parse(annotation) as unknown, scrubber);
    } catch {
      scrubber.add(annotation);
    }
  }
}
