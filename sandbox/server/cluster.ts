import { ApiError, type Obj, type ResourceInfo, type SchemaIndex, type SchemaNode } from '../contracts.ts';
import { AuditAnnotations } from './admission/audit.ts';
import type { PodSecurityExemptions } from './admission/podsecurity-admission.ts';
import { admitQuota, mutatingBuiltins, Suspended, validatingBuiltins, type Pending } from './admission/chain.ts';
import { schemaCauses } from './crvalidate.ts';
import { applySchemaDefaults, bodySchema, defaultedOnRead, hasDefaults, pruneNulls } from './crdefault.ts';
import { listTypeCauses } from './crlisttype.ts';
import { crdRuleCauses, customRuleCauses } from './crcel.ts';
import { admissionConfigCauses } from './admission/policy-config.ts';
import { applyDefaults, decodeTyped, nodePortAllocation, recordUpdate, serviceAllocator, unknownFields, validate } from './deps.ts';
import { eventAs, isEventsApi } from './events.ts';
import type { User } from './auth.ts';
import type { Registry } from './registry.ts';
import { alreadyExists, badRequest, conflict, invalid, notFound, qualified } from './status.ts';
import { metaOf, type Store } from './store.ts';
import { cloneJson } from '../json.ts';
import { isObj, jsonEqual, jsonEqualExcept, nameSuffix, newUid, removePath, rfc3339 } from './util.ts';

const isService = (info: ResourceInfo): boolean => info.group === '' && info.resource === 'services';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  manager: string;
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  /** Filled with `Warning:` header texts. */
  warnings?: string[];
  subresource?: 'status' | 'scale' | 'finalize';
  /** The cluster's own writes (controllers): client rules (validation, namespace state) do not apply. */
  internal?: boolean;
  /** managedFields are already computed (server-side apply). */
  applied?: boolean;
  /** The body went through `decode` (unknown fields already handled). */
  decoded?: boolean;
  /** The storage's authorization of the object itself (RBAC escalation), after mutating admission and before validation. */
  escalation?: (info: ResourceInfo, next: Obj) => void;
  /** Validating admission of the request (PodSecurity), after validation; also run on internal writes that set it (controllers' Pods). */
  admit?: (info: ResourceInfo, next: Obj, old: Obj | undefined, opts: WriteOptions) => void;
  /** Stop after mutating admission by throwing `Suspended` (the request's webhooks run next; `resume` finishes). */
  suspend?: boolean;
  /** The requesting user (admission's userInfo); absent for the cluster's own writes. */
  user?: User;
}

/**
 * Whether a write changes nothing but resourceVersion and managedFields times (the real server's
 * no-op detection): then the stored object, its resourceVersion and the watchers stay as they are.
 */
function unchanged(old: Obj, next: Obj): boolean {
  if (!jsonEqualExcept(old, next, (k) => k === 'metadata')) return false;
  const a = old.metadata;
  const b = next.metadata;
  if (!isObj(a) || !isObj(b)) return jsonEqual(a, b);
  if (!jsonEqualExcept(a, b, (k) => k === 'resourceVersion' || k === 'managedFields')) return false;
  const fa = a.managedFields;
  const fb = b.managedFields;
  if (!Array.isArray(fa) || !Array.isArray(fb)) return jsonEqual(fa, fb);
  if (fa.length !== fb.length) return false;
  for (let i = 0; i < fa.length; i++) {
    const ea: unknown = fa[i];
    const eb: unknown = fb[i];
    if (!(isObj(ea) && isObj(eb) ? jsonEqualExcept(ea, eb, (k) => k === 'time') : jsonEqual(ea, eb))) return false;
  }
  return true;
}

const systemMeta = ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'];
/** Status strategies that also reset labels (their ResetFieldsFor lists metadata.labels). */
const statusKeepsLabels = new Set(['apps/deployments', 'apps/replicasets', 'apps/statefulsets', 'apps/daemonsets']);

/**
 * The metadata a status write stores. Built-in status strategies reset spec (and a few metadata
 * fields) but keep the request's other metadata, so a controller can set annotations through
 * /status (the Deployment controller's revision annotation) without bumping generation. A custom
 * resource's status write keeps nothing but status and managedFields (customresource status_strategy.go).
 */
function statusMetadata(info: ResourceInfo, oldMeta: Obj, inMeta: Obj): Obj {
  const meta: Obj = info.custom ? { ...oldMeta } : { ...inMeta };
  const managedFields = inMeta.managedFields ?? oldMeta.managedFields;
  if (managedFields === undefined) delete meta.managedFields; else meta.managedFields = managedFields;
  if (info.custom) return meta;
  const kept = [...systemMeta];
  if (statusKeepsLabels.has(`${info.group}/${info.resource}`)) kept.push('labels');
  if (info.group === '' && info.resource === 'pods') kept.push('ownerReferences');
  for (const k of kept) {
    if (oldMeta[k] === undefined) delete meta[k]; else meta[k] = oldMeta[k];
  }
  return meta;
}

/** The API server's storage logic shared by every verb: create and update pipelines. */
export class Cluster {
  /** Audit annotations admission added to requests (the sandbox has no audit log). */
  readonly audit = new AuditAnnotations();
  /** PodSecurity's configured exemptions (option `podSecurityExemptions`). */
  podSecurityExemptions: PodSecurityExemptions = {};

  constructor(
    readonly registry: Registry,
    readonly store: Store,
    readonly schemas: SchemaIndex,
    readonly clock: () => Date = () => new Date(),
  ) {}

  schema(info: ResourceInfo): SchemaNode | undefined {
    return this.schemas.root({ group: info.group, version: info.version, kind: info.kind });
  }

  apiVersion(info: ResourceInfo): string {
    return info.group ? `${info.group}/${info.version}` : info.version;
  }

  /** Objects as the requested version shows them (storage is version-agnostic). */
  view(info: ResourceInfo, obj: Obj): Obj {
    const apiVersion = this.apiVersion(info);
    if (info.custom) obj = defaultedOnRead(obj, this.schema(info));
    if (obj.apiVersion === apiVersion && obj.kind === info.kind) return obj;
    if (info.kind === 'Event' && (info.group === '' || isEventsApi(info.group, info.resource))) return eventAs(obj, apiVersion);
    return { ...obj, apiVersion, kind: info.kind };
  }

  namespaceState(namespace: string): 'missing' | 'active' | 'terminating' {
    const ns = this.store.get(this.registry.lookup('', 'v1', 'namespaces')!, undefined, namespace);
    if (!ns) return 'missing';
    return metaOf(ns).deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating' ? 'terminating' : 'active';
  }

  create(info: ResourceInfo, namespace: string | undefined, body: Obj, opts: WriteOptions): Obj {
    const obj = this.checkBody(info, namespace, body, undefined, opts.applied === true);
    const meta = metaOf(obj);
    // A generateName create gets its name in BeforeCreate, after mutating admission (admitValidation).
    const generated = !meta.name && typeof meta.generateName === 'string' && meta.generateName !== '';
    if (!meta.name && !generated) throw invalid(info, '', [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }]);
    const name = String(meta.name ?? '');
    if (info.namespaced && !opts.internal) {
      const state = this.namespaceState(meta.namespace as string);
      if (state === 'missing') throw new ApiError(404, 'NotFound', `namespaces "${meta.namespace as string}" not found`, { name: meta.namespace as string, kind: 'namespaces' });
      if (state === 'terminating') {
        const message = `unable to create new content in namespace ${meta.namespace as string} because it is being terminated`;
        throw new ApiError(403, 'Forbidden', `${qualified(info)} "${name}" is forbidden: ${message}`, { name, group: info.group, kind: info.resource, causes: [{ reason: 'NamespaceTerminating', message, field: 'metadata.namespace' }] });
      }
    }
    if (!generated && this.store.get(info, meta.namespace as string | undefined, name)) throw alreadyExists(info, name);
    const now = rfc3339(this.clock());
    for (const k of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'resourceVersion', 'selfLink']) delete meta[k];
    meta.uid = newUid();
    meta.creationTimestamp = now;
    if (info.generation !== 'none') meta.generation = 1; else delete meta.generation;
    if (info.subresources.status && !opts.internal) {
      if (!info.custom) obj.status = {};
      else delete obj.status;
    }
    if (info.group === '' && info.resource === 'namespaces') {
      // The namespace strategy's PrepareForCreate: the "kubernetes" finalizer and phase Active.
      const spec = isObj(obj.spec) ? obj.spec : {};
      if (!Array.isArray(spec.finalizers)) spec.finalizers = ['kubernetes'];
      obj.spec = spec;
      obj.status = { phase: 'Active' };
    }
    return this.commit(info, undefined, obj, opts);
  }

  update(info: ResourceInfo, namespace: string | undefined, name: string, body: Obj, opts: WriteOptions, allowCreate = false): Obj {
    const old = this.store.get(info, namespace, name);
    const incoming = this.checkBody(info, namespace, body, name, opts.applied === true);
    if (!old) {
      if (allowCreate) return this.create(info, namespace, incoming, opts);
      throw notFound(info, name);
    }
    const inMeta = metaOf(incoming);
    const oldMeta = metaOf(old);
    if (inMeta.resourceVersion !== undefined && inMeta.resourceVersion !== '' && inMeta.resourceVersion !== oldMeta.resourceVersion) throw conflict(info, name);
    if (inMeta.uid !== undefined && inMeta.uid !== '' && inMeta.uid !== oldMeta.uid) {
      throw conflict(info, name, `Precondition failed: UID in precondition: ${String(inMeta.uid)}, UID in object meta: ${String(oldMeta.uid)}`);
    }
    let next: Obj;
    if (opts.subresource === 'finalize') {
      // The namespace finalize subresource changes spec.finalizers and nothing else.
      const finalizers = (incoming.spec as { finalizers?: unknown } | undefined)?.finalizers;
      next = { ...old, spec: { ...(old.spec as Obj | undefined), finalizers }, metadata: { ...oldMeta } };
      if (finalizers === undefined) delete (next.spec as Obj).finalizers;
    } else if (opts.subresource === 'status') {
      next = { ...old, status: incoming.status, metadata: statusMetadata(info, oldMeta, inMeta) };
    } else {
      next = incoming;
      if (info.subresources.status && opts.subresource !== 'scale') {
        if (old.status === undefined) delete next.status; else next.status = old.status;
      }
      const meta = { ...inMeta };
      for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation']) {
        if (oldMeta[k] === undefined) delete meta[k]; else meta[k] = oldMeta[k];
      }
      if (!('managedFields' in inMeta)) meta.managedFields = oldMeta.managedFields;
      next.metadata = meta;
    }
    // Defaults land before the generation check, as they do at decode time on a real server.
    this.defaultCustom(info, next);
    if (info.generation !== 'none' && opts.subresource !== 'status' && this.generationChanged(info, old, next)) metaOf(next).generation = ((oldMeta.generation as number) ?? 0) + 1;
    return this.commit(info, old, next, opts);
  }

  private generationChanged(info: ResourceInfo, old: Obj, next: Obj): boolean {
    const strip = (o: Obj, status: boolean): Obj => {
      const { metadata: _m, status: s, ...rest } = o;
      return status ? rest : { ...rest, status: s };
    };
    if (info.generation === 'spec') {
      // deploymentStrategy.PrepareForUpdate also bumps on annotation changes, since annotations are
      // copied to ReplicaSets (the controller's revision annotation goes through /status instead).
      const annotationsCount = info.group === 'apps' && info.resource === 'deployments';
      const annotations = (o: Obj): unknown => metaOf(o).annotations ?? {};
      return !jsonEqual(old.spec, next.spec) || (annotationsCount && !jsonEqual(annotations(old), annotations(next)));
    }
    return !jsonEqual(strip(old, info.generation === 'non-status'), strip(next, info.generation === 'non-status'));
  }

  /**
   * Validates the body's identity against the request and returns a private copy of it. A body
   * the server built itself (`owned`: a server-side apply result, fresh and unshared) is not copied.
   */
  private checkBody(info: ResourceInfo, namespace: string | undefined, body: Obj, name?: string, owned = false): Obj {
    if (!isObj(body)) throw badRequest('the body of the request was in an unknown format');
    const obj = owned ? { ...body } : cloneJson(body);
    const apiVersion = this.apiVersion(info);
    if (obj.kind !== undefined && obj.kind !== info.kind && obj.kind !== '') throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`);
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion && obj.apiVersion !== '') throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`);
    obj.apiVersion = apiVersion;
    obj.kind = info.kind;
    const meta = isObj(obj.metadata) ? obj.metadata : {};
    obj.metadata = meta;
    if (info.namespaced) {
      if (meta.namespace && meta.namespace !== namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      meta.namespace = namespace;
    } else delete meta.namespace;
    if (name !== undefined) {
      if (meta.name && meta.name !== name) throw badRequest('the name of the object (' + String(meta.name) + ') does not match the name on the URL (' + name + ')');
      meta.name = name;
    }
    return obj;
  }

  /**
   * The write after its body is read: mutating admission, validation, validating admission, then
   * storage (see admission/chain.ts for the order). A request with webhooks stops after the
   * mutating stage (`suspend`) and goes on with `admitValidation` and `resume`.
   */
  private commit(info: ResourceInfo, old: Obj | undefined, next: Obj, opts: WriteOptions): Obj {
    const pending = this.mutate(info, old, next, opts);
    if (opts.suspend) throw new Suspended(pending);
    this.admitValidation(pending);
    return this.persist(pending);
  }

  /** Decoding-time normalisation and defaulting, then the built-in mutating admission plugins. */
  private mutate(info: ResourceInfo, old: Obj | undefined, next: Obj, opts: WriteOptions): Pending {
    const schema = this.schema(info);
    if (!opts.internal && !opts.decoded) this.checkUnknownFields(info, next, schema, opts);
    if (info.group === '' && info.resource === 'secrets' && isObj(next.stringData)) {
      const data = { ...(isObj(next.data) ? next.data : {}) };
      for (const [k, v] of Object.entries(next.stringData)) data[k] = Buffer.from(String(v)).toString('base64');
      next.data = data;
      delete next.stringData;
    }
    if (info.group === '' && info.resource === 'namespaces') {
      const meta = metaOf(next);
      if (meta.name) meta.labels = { ...(meta.labels as Record<string, string> | undefined), 'kubernetes.io/metadata.name': meta.name as string };
    }
    this.defaultObject(info, next, old);
    // The handler records the writer's managedFields before mutating admission (a transformer ahead
    // of it), so fields that admission adds are owned by no manager. Server-side apply did it already.
    const tracked = opts.applied ? next : recordUpdate({
      old, updated: next, manager: opts.manager, schema, apiVersion: this.apiVersion(info), subresource: opts.subresource,
      now: rfc3339(this.clock()), statusSubresource: info.subresources.status === true,
    });
    const pending: Pending = { info, old, next: tracked, opts };
    mutatingBuiltins(this, pending);
    return pending;
  }

  /** BeforeCreate's name generation from `generateName` (a taken name is AlreadyExists, as storage would answer). */
  private generateName(info: ResourceInfo, obj: Obj): void {
    const meta = metaOf(obj);
    if (meta.name || typeof meta.generateName !== 'string' || !meta.generateName) return;
    meta.name = `${meta.generateName}${nameSuffix()}`;
    if (info.group === '' && info.resource === 'namespaces') meta.labels = { ...(meta.labels as Record<string, string> | undefined), 'kubernetes.io/metadata.name': meta.name as string };
    if (this.store.get(info, meta.namespace as string | undefined, meta.name as string)) throw alreadyExists(info, meta.name as string);
  }

  /** The type's defaults (built-in and CRD structural ones); also applied to what a mutating webhook returns. */
  defaultObject(info: ResourceInfo, obj: Obj, old: Obj | undefined): void {
    applyDefaults(info, obj, old);
    this.defaultCustom(info, obj);
  }

  /** A mutating webhook replaced the object: it is defaulted, and with `rerun` the built-in mutating plugins run again (reinvocation). */
  remutate(p: Pending, object: Obj, rerun: boolean): void {
    p.next = object;
    this.defaultObject(p.info, object, p.old);
    if (rerun) mutatingBuiltins(this, p);
  }

  /** RBAC escalation (storage), the type's validation, then the built-in validating admission plugins up to ValidatingAdmissionPolicy. */
  admitValidation(p: Pending): void {
    const { info, old, next, opts } = p;
    if (!old) this.generateName(info, next);
    opts.escalation?.(info, next);
    if (!opts.internal) {
      const schema = this.schema(info);
      const custom = info.custom && schema ? [...schemaCauses(next, schema), ...listTypeCauses(next, bodySchema(schema))] : [];
      if (info.custom) custom.push(...customRuleCauses(this, info, next, old, custom));
      const causes = [...custom, ...validate(info, next, old, schema), ...admissionConfigCauses(info, next), ...crdRuleCauses(info, next)];
      if (causes.length > 0) throw invalid(info, metaOf(next).name as string, causes);
      if (isService(info)) {
        const uid = metaOf(next).uid;
        const taken = nodePortAllocation(next, old, () => this.store.list(info).filter((s) => metaOf(s).uid !== uid));
        if (taken.length > 0) throw invalid(info, metaOf(next).name as string, taken);
      }
    }
    validatingBuiltins(this, p);
  }

  /**
   * Finishes a write that waited for webhooks, or returns undefined when the store moved meanwhile
   * (the object was created, changed or deleted): the caller then runs the request again from the
   * start, as the real server's GuaranteedUpdate loop re-runs the update and its admission, so a
   * resourceVersion precondition gives the real 409 and a plain patch lands on the new object.
   */
  resume(p: Pending): Obj | undefined {
    const meta = metaOf(p.next);
    const current = this.store.get(p.info, meta.namespace as string | undefined, meta.name as string);
    const moved = p.old ? !current || metaOf(current).resourceVersion !== metaOf(p.old).resourceVersion : current !== undefined;
    if (moved && !p.opts.dryRun) return undefined;
    return this.persist(p);
  }

  /** ResourceQuota (the last admission plugin), no-op detection, then the store (not for dry runs). */
  private persist(p: Pending): Obj {
    const { info, old, next, opts } = p;
    admitQuota(this, p);
    const result = next;
    const meta = metaOf(result);
    if (Array.isArray(meta.managedFields) && meta.managedFields.length === 0) delete meta.managedFields;
    if (old && unchanged(old, result)) return old;
    const finished = meta.deletionTimestamp && !(Array.isArray(meta.finalizers) && meta.finalizers.length > 0) && !this.namespaceFinalizers(info, result);
    if (opts.dryRun) {
      if (!old) delete meta.resourceVersion; else meta.resourceVersion = metaOf(old).resourceVersion;
      return result;
    }
    if (finished && old) return this.store.remove(info, result);
    // Node ports a Service asked for by number are taken, so that no other Service is handed them.
    if (isService(info)) serviceAllocator.reserve(result);
    return this.store.put(info, result, old);
  }

  /** Structural pruning of non-nullable nulls and defaulting from a CRD's schema (custom resources only). */
  private defaultCustom(info: ResourceInfo, obj: Obj): void {
    const schema = info.custom ? this.schema(info) : undefined;
    if (!schema) return;
    const body = bodySchema(schema);
    pruneNulls(obj, body);
    if (hasDefaults(body)) applySchemaDefaults(obj, body);
  }

  private namespaceFinalizers(info: ResourceInfo, obj: Obj): boolean {
    if (info.group !== '' || info.resource !== 'namespaces') return false;
    const finalizers = (obj.spec as { finalizers?: unknown[] } | undefined)?.finalizers;
    return Array.isArray(finalizers) && finalizers.length > 0;
  }

  /**
   * A create or update body read into the kind's type, as create.go/update.go decode it: a value
   * that does not fit the type is a 400 `<Kind> in version "<v>" cannot be handled as a <Kind>: …`,
   * and so are unknown fields under fieldValidation=Strict; otherwise they are dropped (with a
   * warning under Warn, the default). Custom resources are unstructured: only unknown fields count.
   */
  decode(info: ResourceInfo, body: Obj, opts: WriteOptions): void {
    const schema = this.schema(info);
    if (!schema) return;
    const result = info.custom ? { error: undefined, unknown: unknownFields(body, schema) } : decodeTyped(body, schema);
    const prefix = `${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: `;
    if (result.error) throw badRequest(prefix + result.error);
    opts.decoded = true;
    this.handleUnknown(info, body, result.unknown, opts, prefix);
  }

  private handleUnknown(info: ResourceInfo, obj: Obj, found: string[], opts: WriteOptions, prefix = ''): void {
    const unknown = found.filter((p) => p !== '.stringData' || info.resource !== 'secrets');
    if (unknown.length === 0) return;
    if (opts.fieldValidation === 'Strict') throw badRequest(`${prefix}strict decoding error: ${unknown.map((p) => `unknown field "${p.slice(1)}"`).join(', ')}`);
    this.dropUnknown(obj, unknown, opts);
  }

  /** Unknown fields under Warn (the default, with a warning each) and Ignore: the decoder drops them. */
  dropUnknown(obj: Obj, unknown: string[], opts: WriteOptions): void {
    if (unknown.length === 0) return;
    opts.decoded = true;
    if ((opts.fieldValidation ?? 'Warn') === 'Warn') for (const p of unknown) opts.warnings?.push(`unknown field "${p.slice(1)}"`);
    for (const p of unknown) removePath(obj, p);
  }

  private checkUnknownFields(info: ResourceInfo, obj: Obj, schema: SchemaNode | undefined, opts: WriteOptions): void {
    if (schema) this.handleUnknown(info, obj, unknownFields(obj, schema), opts);
  }

}
