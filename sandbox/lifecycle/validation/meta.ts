// ObjectMeta rules beyond the name (apimachinery api/validation/objectmeta.go): annotation keys
// and the 256 KiB limit on all annotations together.
import type { Obj, StatusCause } from '../../contracts.ts';
import { isObj } from '../util.ts';
import { invalid } from './causes.ts';
import { qualifiedName } from './names.ts';

export const totalAnnotationSizeLimit = 256 * 1024;

/** ValidateAnnotations: keys are qualified names (case does not matter); keys plus values ≤ 256 KiB. */
export function validateAnnotations(annotations: unknown, field: string): StatusCause[] {
  if (!isObj(annotations)) return [];
  const out: StatusCause[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const msg of qualifiedName(k.toLowerCase())) out.push(invalid(field, k, msg));
    size += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (size > totalAnnotationSizeLimit) out.push({ reason: 'FieldValueTooLong', message: `Too long: may not be more than ${totalAnnotationSizeLimit} bytes`, field });
  return out;
}

export function validateMetadata(o: Obj): StatusCause[] {
  const meta = isObj(o.metadata) ? o.metadata : {};
  return validateAnnotations(meta.annotations, 'metadata.annotations');
}
