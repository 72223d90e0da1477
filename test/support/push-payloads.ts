import { createRequire } from 'node:module';
import { Ajv } from 'ajv';

/** Real GitHub webhook payloads (@octokit/webhooks-examples), checked against @octokit/webhooks-schemas. */
const require = createRequire(import.meta.url);

interface ExampleGroup { name: string; examples: Array<Record<string, unknown>> }
const examples = require('@octokit/webhooks-examples') as ExampleGroup[];
const schema = require('@octokit/webhooks-schemas') as Record<string, unknown>;

// Only the definitions: compiling the root's oneOf over every event takes many seconds.
const ajv = new Ajv({ strict: false, validateFormats: false });
ajv.addSchema({ $id: 'webhooks', definitions: schema.definitions });
const compiled = new Map<string, ReturnType<Ajv['compile']>>();

/** Validates a payload against the published schema of its event (and action); returns the errors (empty: valid). */
export function schemaErrors(event: string, payload: unknown): string[] {
  const definitions = schema.definitions as Record<string, unknown>;
  const action = (payload as { action?: unknown } | null)?.action;
  const name = `${event}$event` in definitions ? `${event}$event` : `${event}$${String(action)}`;
  if (!(name in definitions)) throw new Error(`no schema for event ${event}`);
  let validate = compiled.get(name);
  if (!validate) {
    validate = ajv.compile({ $ref: `webhooks#/definitions/${name}` });
    compiled.set(name, validate);
  }
  return validate(payload) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

export function example(event: string, pick: (payload: Record<string, unknown>) => boolean = () => true): Record<string, unknown> {
  const group = examples.find((g) => g.name === event);
  const found = group?.examples.find((p) => pick(p) && schemaErrors(event, p).length === 0);
  if (!found) throw new Error(`no schema-valid ${event} example`);
  return structuredClone(found);
}

export const sha = (n: number): string => n.toString(16).padStart(40, '0');

export interface PushOptions {
  ref?: string;
  before?: string;
  after?: string;
  created?: boolean;
  deleted?: boolean;
  forced?: boolean;
  /** Files changed per commit. */
  commits?: Array<{ added?: string[]; modified?: string[]; removed?: string[] }>;
  fullName?: string;
}

/** A schema-valid push payload from the real example, with the fields routing reads replaced. */
export function pushPayload(options: PushOptions = {}): Record<string, unknown> {
  const payload = example('push', (p) => String(p.ref).startsWith('refs/heads/'));
  const template = (payload.commits as Array<Record<string, unknown>>)[0]!;
  const commits = (options.commits ?? [{ modified: ['README.md'] }]).map((c, i) => ({
    ...template, id: sha(1000 + i), added: c.added ?? [], modified: c.modified ?? [], removed: c.removed ?? [],
  }));
  const after = options.after ?? sha(2);
  const before = options.before ?? sha(1);
  const zero = '0'.repeat(40);
  Object.assign(payload, {
    ref: options.ref ?? 'refs/heads/main',
    before,
    after,
    // As GitHub sets them: created when the ref had no commit before, deleted when it has none after.
    created: options.created ?? before === zero,
    deleted: options.deleted ?? after === zero,
    forced: options.forced ?? false,
    commits,
    head_commit: commits.at(-1) ?? null,
  });
  if (options.fullName) {
    const repo = payload.repository as Record<string, unknown>;
    repo.full_name = options.fullName;
    const [owner, name] = options.fullName.split('/');
    repo.name = name;
    (repo.owner as Record<string, unknown>).login = owner;
    (repo.owner as Record<string, unknown>).name = owner;
    repo.clone_url = `https://github.com/${options.fullName}.git`;
  }
  return payload;
}
