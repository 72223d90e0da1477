// Field errors as k8s.io/apimachinery/pkg/util/validation/field renders them (ErrorBody), and the
// 422 Invalid status of k8s.io/apimachinery/pkg/api/errors.NewInvalid.
import { ApiError } from '../../contracts.ts';
import type { ResourceInfo, StatusCause } from '../../contracts.ts';
import { canonical } from '../util.ts';

/** A bad value as ErrorBody prints it: numbers and booleans plain, strings quoted, the rest JSON. */
export function renderValue(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  return canonical(v ?? null);
}

function withDetail(body: string, detail?: string): string {
  return detail ? `${body}: ${detail}` : body;
}

export function required(field: string, detail?: string): StatusCause {
  return { reason: 'FieldValueRequired', message: withDetail('Required value', detail), field };
}

export function invalid(field: string, value: unknown, detail?: string): StatusCause {
  return { reason: 'FieldValueInvalid', message: withDetail(`Invalid value: ${renderValue(value)}`, detail), field };
}

export function forbidden(field: string, detail?: string): StatusCause {
  return { reason: 'FieldValueForbidden', message: withDetail('Forbidden', detail), field };
}

export function notSupported(field: string, value: unknown, supported: string[]): StatusCause {
  const detail = supported.length ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` : undefined;
  return { reason: 'FieldValueNotSupported', message: withDetail(`Unsupported value: ${renderValue(value)}`, detail), field };
}

export function immutable(field: string, value: unknown): StatusCause {
  return invalid(field, value, 'field is immutable');
}

/** `field: body` as one aggregated error line. */
export function causeText(c: StatusCause): string {
  return c.field ? `${c.field}: ${c.message}` : c.message;
}

/** The qualified kind of messages: `Deployment.apps`, or `Service` in the core group. */
export function qualifiedKind(info: Pick<ResourceInfo, 'group' | 'kind'>): string {
  return info.group ? `${info.kind}.${info.group}` : info.kind;
}

/**
 * The real 422: `Deployment.apps "web" is invalid: spec.selector: Required value`, several causes
 * aggregated as `[a, b]` (utilerrors.NewAggregate).
 */
export function invalidStatus(info: Pick<ResourceInfo, 'group' | 'kind'>, name: string, causes: StatusCause[]): ApiError {
  const texts = causes.map(causeText);
  const joined = texts.length === 1 ? texts[0]! : `[${texts.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${qualifiedKind(info)} "${name}" is invalid: ${joined}`, {
    name, group: info.group, kind: info.kind, causes,
  });
}
