import { DriftlessError, where } from '../core/errors.ts';
import { refKey, refOf, refString } from '../core/objects.ts';
import type { Manifest } from '../core/types.ts';

/** Two objects with one identity would fight over the same live object: refuse, naming both. */
export function assertNoDuplicates(manifests: Manifest[]): void {
  const seen = new Map<string, Manifest>();
  for (const manifest of manifests) {
    const ref = refOf({ ...manifest.object, apiVersion: manifest.object.apiVersion ?? '' });
    const key = refKey(ref);
    const first = seen.get(key);
    if (!first) {
      seen.set(key, manifest);
      continue;
    }
    const a = where(first.origin.file, first.origin.line);
    const b = where(manifest.origin.file, manifest.origin.line);
    throw new DriftlessError('DUPLICATE_OBJECT', `${refString(ref)} is defined twice: in ${a} and in ${b}. Keep one of them.`, {
      object: refString(ref),
      file: manifest.origin.file,
      line: manifest.origin.line,
      firstFile: first.origin.file,
      firstLine: first.origin.line,
    });
  }
}
