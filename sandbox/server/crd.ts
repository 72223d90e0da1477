import type { Obj, ResourceInfo } from '../contracts.ts';
import type { Cluster } from './cluster.ts';
import { fromJSONSchemaProps } from './deps.ts';
import { crdDocument, type OpenAPIService } from './openapi.ts';
import { metaOf, type StoredEvent } from './store.ts';
import { isObj, rfc3339 } from './util.ts';

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: Obj };
  subresources?: { status?: Obj; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  additionalPrinterColumns?: ResourceInfo['printerColumns'];
}

interface CrdSpec {
  group: string;
  scope: 'Namespaced' | 'Cluster';
  names: { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] };
  versions: CrdVersion[];
}

/** Kubernetes version priority (GA > beta > alpha, then by number), as CRD versions sort in discovery. */
export function versionPriority(a: string, b: string): number {
  const parse = (v: string): [number, number, number] => {
    const m = v.match(/^v(\d+)(?:(alpha|beta)(\d+))?$/);
    if (!m) return [-1, 0, 0];
    return [m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [ta, ma, na] = parse(a);
  const [tb, mb, nb] = parse(b);
  return tb - ta || mb - ma || nb - na || a.localeCompare(b);
}

/**
 * Serves custom resources once their CRD exists: registers the types, their schemas and OpenAPI
 * documents, and marks the CRD NamesAccepted and Established as the apiextensions controllers do.
 */
export class CrdManager {
  private readonly known = new Map<string, { group: string; plural: string; versions: string[] }>();

  constructor(private readonly cluster: Cluster, private readonly openapi: OpenAPIService) {}

  crdInfo(): ResourceInfo {
    return this.cluster.registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
  }

  onEvent(event: StoredEvent): void {
    if (event.resource.group !== 'apiextensions.k8s.io' || event.resource.resource !== 'customresourcedefinitions') return;
    const name = metaOf(event.object).name as string;
    try {
      if (event.type === 'DELETED') this.unregister(name, true);
      else {
        this.register(event.object);
        setImmediate(() => this.establish(name));
      }
    } catch (err) {
      // A CRD the server cannot serve stays stored but not Established, as a real server leaves it.
      process.stderr.write(`sandbox: cannot serve CRD ${name}: ${(err as Error).message}\n`);
    }
  }

  register(crd: Obj): void {
    const spec = crd.spec as CrdSpec | undefined;
    if (!spec?.group || !spec.names?.plural || !Array.isArray(spec.versions)) return;
    const name = metaOf(crd).name as string;
    const { registry, schemas } = this.cluster;
    const previous = this.known.get(name);
    if (previous) registry.removeGroupResource(previous.group, previous.plural);
    const versions = spec.versions.filter((v) => v.served !== false).sort((a, b) => versionPriority(a.name, b.name));
    for (const v of versions) {
      const info: ResourceInfo = {
        group: spec.group, version: v.name, kind: spec.names.kind, resource: spec.names.plural,
        singular: spec.names.singular || spec.names.kind.toLowerCase(), namespaced: spec.scope !== 'Cluster',
        shortNames: spec.names.shortNames ?? [], categories: spec.names.categories ?? [],
        verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
        subresources: { ...(v.subresources?.status ? { status: true } : {}), ...(v.subresources?.scale ? { scale: v.subresources.scale } : {}) },
        generation: v.subresources?.status ? 'non-status' : 'non-metadata', custom: true,
        printerColumns: v.additionalPrinterColumns,
      };
      registry.add(info, true);
      const raw = v.schema?.openAPIV3Schema;
      if (isObj(raw)) schemas.registerCustom({ group: spec.group, version: v.name, kind: info.kind }, fromJSONSchemaProps(raw));
    }
    this.known.set(name, { group: spec.group, plural: spec.names.plural, versions: versions.map((v) => v.name) });
    this.refreshDocuments(spec.group, [...new Set([...(previous?.versions ?? []), ...versions.map((v) => v.name)])]);
  }

  private refreshDocuments(group: string, versions: string[]): void {
    for (const version of versions) {
      const infos = this.cluster.registry.resources(group, version).filter((i) => i.custom);
      const path = `apis/${group}/${version}`;
      if (infos.length === 0) { this.openapi.setCustom(path, undefined); continue; }
      const entries = infos.map((info) => ({ info, schema: this.rawSchema(info) }));
      this.openapi.setCustom(path, crdDocument(group, version, entries, this.openapi.metaSchemas()));
    }
  }

  private rawSchema(info: ResourceInfo): Obj | undefined {
    const crd = this.cluster.store.get(this.crdInfo(), undefined, `${info.resource}.${info.group}`);
    const version = (crd?.spec as CrdSpec | undefined)?.versions.find((v) => v.name === info.version);
    return version?.schema?.openAPIV3Schema;
  }

  private unregister(name: string, deleteObjects: boolean): void {
    const known = this.known.get(name);
    if (!known) return;
    this.known.delete(name);
    const infos = this.cluster.registry.all().filter((i) => i.group === known.group && i.resource === known.plural);
    if (deleteObjects && infos[0]) for (const obj of this.cluster.store.list(infos[0])) this.cluster.store.remove(infos[0], obj);
    for (const info of infos) this.cluster.schemas.unregisterCustom({ group: info.group, version: info.version, kind: info.kind });
    this.cluster.registry.removeGroupResource(known.group, known.plural);
    this.refreshDocuments(known.group, known.versions);
  }

  private establish(name: string): void {
    const info = this.crdInfo();
    const crd = this.cluster.store.get(info, undefined, name);
    if (!crd || metaOf(crd).deletionTimestamp) return;
    const spec = crd.spec as CrdSpec;
    const status = (crd.status ?? {}) as { conditions?: Array<Record<string, string>>; acceptedNames?: Obj; storedVersions?: string[] };
    const accepted = { kind: spec.names.kind, listKind: spec.names.listKind ?? `${spec.names.kind}List`, plural: spec.names.plural, singular: spec.names.singular || spec.names.kind.toLowerCase(), ...(spec.names.shortNames ? { shortNames: spec.names.shortNames } : {}), ...(spec.names.categories ? { categories: spec.names.categories } : {}) };
    const established = status.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    if (established && JSON.stringify(status.acceptedNames) === JSON.stringify(accepted)) return;
    const now = rfc3339(this.cluster.clock());
    const storage = spec.versions.find((v) => v.storage)?.name ?? spec.versions[0]?.name;
    const next: Obj = {
      ...crd,
      status: {
        acceptedNames: accepted,
        conditions: [
          { type: 'NamesAccepted', status: 'True', lastTransitionTime: now, reason: 'NoConflicts', message: 'no conflicts found' },
          { type: 'Established', status: 'True', lastTransitionTime: now, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
        ],
        storedVersions: [...new Set([...(status.storedVersions ?? []), ...(storage ? [storage] : [])])],
      },
    };
    try {
      this.cluster.update(info, undefined, name, next, { manager: 'kube-apiserver', internal: true, subresource: 'status' });
    } catch {
      // A concurrent change of the CRD re-triggers establishment through its own event.
    }
  }
}
