import type { ResourceInfo } from '../contracts.ts';
import type { OpenAPIDocument } from '../openapi/documents.ts';
import { categoriesFor, groupOrder, preferredVersion, shortNames, specGeneration } from './discovery-table.ts';

const actionVerb: Record<string, string> = { get: 'get', list: 'list', post: 'create', put: 'update', patch: 'patch', delete: 'delete', deletecollection: 'deletecollection', watch: 'watch', watchlist: 'watch' };
const verbOrder = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

interface Operation { 'x-kubernetes-action'?: string; 'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string } }

/** Served resource types: built-ins derived from the OpenAPI paths, plus CRD types added at run time. */
export class Registry {
  private readonly infos = new Map<string, ResourceInfo>();
  private readonly versionsByGroup = new Map<string, string[]>();
  private readonly customGroups = new Set<string>();
  /** Bumped on every change, so that discovery caches can key on it. */
  generation = 0;

  constructor(documents: Map<string, OpenAPIDocument>) {
    for (const [path, doc] of documents) this.addFromDocument(path, doc);
  }

  private addFromDocument(docPath: string, doc: OpenAPIDocument): void {
    const [, group, version] = docPath.startsWith('api/') ? ['', '', docPath.slice(4)] : docPath.split('/');
    if (version === undefined || group === undefined) return;
    const prefix = `/${docPath}/`;
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith(prefix)) continue;
      let rest = path.slice(prefix.length).split('/').filter(Boolean);
      const watchPath = rest[0] === 'watch';
      if (watchPath) rest = rest.slice(1);
      let namespaced = false;
      if (rest[0] === 'namespaces' && rest[1] === '{namespace}') { namespaced = true; rest = rest.slice(2); }
      const [resource, name, sub] = rest;
      if (!resource || rest.length > 3 || (name !== undefined && name !== '{name}')) continue;
      for (const op of Object.values(item as Record<string, Operation>)) {
        const action = op['x-kubernetes-action'];
        const gvk = op['x-kubernetes-group-version-kind'];
        if (!action || !gvk) continue;
        const key = this.key(group, version, resource);
        if (sub) {
          const info = this.infos.get(key);
          if (info && sub === 'status') info.subresources.status = true;
          if (info && sub === 'scale') info.subresources.scale = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' };
          continue;
        }
        let info = this.infos.get(key);
        if (!info) {
          info = {
            group, version, kind: gvk.kind, resource, singular: gvk.kind.toLowerCase(), namespaced, shortNames: shortNames[resource] ?? [],
            categories: categoriesFor(group, resource), verbs: [], subresources: {},
            generation: specGeneration.has(`${group}/${resource}`) ? 'spec' : 'none',
          };
          this.add(info);
        }
        if (namespaced) info.namespaced = true;
        const verb = actionVerb[action];
        if (verb && !info.verbs.includes(verb)) info.verbs.push(verb);
        if (watchPath && !info.verbs.includes('watch')) info.verbs.push('watch');
        info.verbs.sort((a, b) => verbOrder.indexOf(a) - verbOrder.indexOf(b));
      }
    }
  }

  private key(group: string, version: string, resource: string): string {
    return `${group}/${version}/${resource}`;
  }

  add(info: ResourceInfo, custom = false): void {
    this.infos.set(this.key(info.group, info.version, info.resource), info);
    const versions = this.versionsByGroup.get(info.group) ?? [];
    if (!versions.includes(info.version)) versions.push(info.version);
    this.versionsByGroup.set(info.group, versions);
    if (custom) this.customGroups.add(info.group);
    this.generation++;
  }

  removeGroupResource(group: string, resource: string): void {
    for (const [key, info] of this.infos) if (info.group === group && info.resource === resource) this.infos.delete(key);
    const versions = new Set([...this.infos.values()].filter((i) => i.group === group).map((i) => i.version));
    if (versions.size === 0) { this.versionsByGroup.delete(group); this.customGroups.delete(group); } else this.versionsByGroup.set(group, [...versions]);
    this.generation++;
  }

  lookup(group: string, version: string, resource: string): ResourceInfo | undefined {
    return this.infos.get(this.key(group, version, resource));
  }

  byKind(group: string, kind: string, version?: string): ResourceInfo | undefined {
    const preferred = version ?? this.preferred(group);
    let fallback: ResourceInfo | undefined;
    for (const info of this.infos.values()) {
      if (info.group !== group || info.kind !== kind) continue;
      if (info.version === preferred) return info;
      fallback ??= info;
    }
    return fallback;
  }

  resources(group: string, version: string): ResourceInfo[] {
    return [...this.infos.values()].filter((i) => i.group === group && i.version === version);
  }

  all(): ResourceInfo[] {
    return [...this.infos.values()];
  }

  /** Groups (without the core group) in the order a real server lists them. */
  groups(): string[] {
    const names = [...this.versionsByGroup.keys()].filter((g) => g !== '');
    const rank = (g: string): number => { const i = groupOrder.indexOf(g); return i >= 0 ? i : this.customGroups.has(g) ? 1000 : 500; };
    return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  }

  versions(group: string): string[] {
    const versions = [...(this.versionsByGroup.get(group) ?? [])];
    const preferred = this.preferred(group);
    return [preferred, ...versions.filter((v) => v !== preferred)];
  }

  preferred(group: string): string {
    const versions = this.versionsByGroup.get(group) ?? [];
    const wanted = preferredVersion[group];
    if (wanted && versions.includes(wanted)) return wanted;
    return versions[0] ?? 'v1';
  }
}
