import type { DriftReport } from '../core/types.ts';

/** One drifted field as `driftless drift --json` prints it. */
export interface DriftJsonField {
  path: string;
  desired?: unknown;
  live?: unknown;
}

export interface DriftJsonObject {
  group: string;
  kind: string;
  /** null for cluster-scoped objects. */
  namespace: string | null;
  name: string;
  state: 'modified' | 'missing' | 'extra';
  fields: DriftJsonField[];
}

export interface DriftJsonApp {
  name: string;
  status: DriftReport['status'];
  reason?: { code: string; message: string };
  /** The last synced revision (full SHA) drift is measured against; null when none could be read. */
  revision: string | null;
  pending?: string;
  objects: DriftJsonObject[];
}

export interface DriftJson {
  apps: DriftJsonApp[];
}

/** Reports in the published shape (schema/drift-report.schema.json): drifted objects only, field managers left out. */
export function driftJson(reports: readonly DriftReport[]): DriftJson {
  return {
    apps: reports.map((r) => ({
      name: r.app,
      status: r.status,
      ...(r.reason ? { reason: { code: r.reason.code, message: r.reason.message } } : {}),
      revision: r.revision?.sha ?? null,
      ...(r.pending ? { pending: r.pending } : {}),
      objects: r.objects.map((o) => ({
        group: o.ref.group,
        kind: o.ref.kind,
        namespace: o.ref.namespace ?? null,
        name: o.ref.name,
        state: o.state,
        fields: o.fields.map((f) => ({ path: f.path, ...('desired' in f ? { desired: f.desired } : {}), ...('live' in f ? { live: f.live } : {}) })),
      })),
    })),
  };
}

const SHA = '^[0-9a-f]{40}$|^[0-9a-f]{64}$';

export const driftReportSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'driftless drift --json',
  description: 'Drift of each app from the revision driftless last synced for it. Exit code of the command: 0 all Synced, 1 any OutOfSync, 3 some Unknown and none OutOfSync, 2 config or usage error.',
  type: 'object',
  required: ['apps'],
  additionalProperties: false,
  properties: {
    apps: { type: 'array', items: { $ref: '#/definitions/app' } },
  },
  definitions: {
    app: {
      type: 'object',
      required: ['name', 'status', 'revision', 'objects'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1 },
        status: { enum: ['Synced', 'OutOfSync', 'Unknown'], description: 'Synced: the cluster holds the last synced revision. OutOfSync: objects says what differs. Unknown: reason says why the check could not tell.' },
        reason: {
          type: 'object',
          description: 'Why the status is Unknown: cluster unreachable, credentials refused, permission missing, render failed, untrusted revision or inventory (INVENTORY_UNTRUSTED), never synced (NOT_SYNCED).',
          required: ['code', 'message'],
          additionalProperties: false,
          properties: { code: { type: 'string' }, message: { type: 'string' } },
        },
        revision: { type: ['string', 'null'], pattern: SHA, description: 'The last synced commit, which drift is measured against; null when it could not be read.' },
        pending: { type: 'string', pattern: SHA, description: 'The branch head, when Git has moved past the last synced revision (a sync is due; not drift).' },
        objects: { type: 'array', items: { $ref: '#/definitions/object' }, description: 'Drifted objects only.' },
      },
    },
    object: {
      type: 'object',
      required: ['group', 'kind', 'namespace', 'name', 'state', 'fields'],
      additionalProperties: false,
      properties: {
        group: { type: 'string', description: 'API group; "" for the core group.' },
        kind: { type: 'string', minLength: 1 },
        namespace: { type: ['string', 'null'], description: 'null for cluster-scoped objects.' },
        name: { type: 'string', minLength: 1 },
        state: { enum: ['modified', 'missing', 'extra'], description: 'modified: fields below changed in the cluster. missing: deleted from the cluster. extra: in the inventory, gone from Git, not yet pruned.' },
        fields: { type: 'array', items: { $ref: '#/definitions/field' }, description: 'Changed fields (modified only).' },
      },
    },
    field: {
      type: 'object',
      required: ['path'],
      additionalProperties: false,
      properties: {
        path: { type: 'string', pattern: '^(/([^~]|~[01])*)+$', description: 'JSON pointer (RFC 6901) into the live object.' },
        desired: { description: 'What the last synced revision sets, as the server stores it (absent: nothing). Secret values are masked.' },
        live: { description: 'What the cluster holds (absent: the field is gone). Secret values are masked.' },
      },
    },
  },
} as const;

/** The schema as published in schema/drift-report.schema.json. */
export function driftReportSchemaText(): string {
  return `${JSON.stringify(driftReportSchema, null, 2)}\n`;
}
