import { ApiError, type ResourceInfo, type StatusCause } from '../contracts.ts';

/** "deployments.apps" / "pods": the qualified resource in the real server's messages. */
export function qualified(info: { resource: string; group: string }): string {
  return info.group ? `${info.resource}.${info.group}` : info.resource;
}

/** "Deployment.apps" / "Service": the qualified kind in 422 messages. */
export function qualifiedKind(info: { kind: string; group: string }): string {
  return info.group ? `${info.kind}.${info.group}` : info.kind;
}

export function notFound(info: ResourceInfo, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualified(info)} "${name}" not found`, { name, group: info.group, kind: info.resource });
}

export function alreadyExists(info: ResourceInfo, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualified(info)} "${name}" already exists`, { name, group: info.group, kind: info.resource });
}

export function conflict(info: ResourceInfo, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): ApiError {
  return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(info)} "${name}": ${why}`, { name, group: info.group, kind: info.resource });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** 422 with the message shape of apimachinery's NewInvalid. */
export function invalid(info: ResourceInfo, name: string, causes: StatusCause[]): ApiError {
  const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const joined = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${qualifiedKind(info)} "${name}" is invalid: ${joined}`, { name, group: info.group, kind: info.kind, causes });
}

export function statusBody(err: ApiError): Record<string, unknown> {
  const body: Record<string, unknown> = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: err.message };
  // StatusReasonUnknown is the empty reason, which the real server omits.
  if (err.reason) body.reason = err.reason;
  if (err.details && Object.keys(err.details).length > 0) {
    // StatusCause's reason and field are omitempty: an admission policy's cause is a bare message.
    const causes = err.details.causes?.map((c) => Object.fromEntries(Object.entries(c).filter(([k, v]) => !(k !== 'message' && v === ''))));
    body.details = causes ? { ...err.details, causes } : err.details;
  }
  body.code = err.status;
  return body;
}

export function successStatus(info: ResourceInfo, name: string, uid: unknown): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: info.group, kind: info.resource, uid } };
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  // Duck-typed so that errors thrown by sibling modules with their own ApiError copy still map.
  if (err && typeof err === 'object' && 'status' in err && 'reason' in err && typeof (err as ApiError).status === 'number') {
    const e = err as ApiError;
    return new ApiError(e.status, e.reason, e.message, e.details);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);
}
