import { createHash } from 'node:crypto';
import type { ResourceInfo } from '../contracts.ts';
import type { Registry } from './registry.ts';

export interface Rendered {
  body: string;
  contentType: string;
  etag: string;
}

const aggregatedTypes: Record<string, string> = {
  v2: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
  v2beta1: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
};

/** Which aggregated discovery version the Accept header asks for first, if any (client-go lists v2, v2beta1, then plain JSON). */
export function wantsAggregated(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(',')) {
    const p = part.replace(/\s+/g, '').toLowerCase();
    if (!p.includes('as=apigroupdiscoverylist') || !p.includes('g=apidiscovery.k8s.io')) {
      if (p.startsWith('application/json') || p.startsWith('*/*')) return undefined;
      continue;
    }
    if (p.includes('v=v2beta1')) return 'v2beta1';
    if (p.includes('v=v2')) return 'v2';
  }
  return undefined;
}

function render(value: unknown, contentType = 'application/json'): Rendered {
  const body = JSON.stringify(value);
  return { body, contentType, etag: `"${createHash('sha1').update(body).digest('hex')}"` };
}

function gv(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** Discovery documents, cached per registry generation. */
export class Discovery {
  private cache = new Map<string, Rendered>();
  private cachedAt = -1;

  constructor(private readonly registry: Registry, private readonly serverAddress: () => string) {}

  private memo(key: string, make: () => Rendered): Rendered {
    if (this.cachedAt !== this.registry.generation) {
      this.cache.clear();
      this.cachedAt = this.registry.generation;
    }
    let hit = this.cache.get(key);
    if (!hit) { hit = make(); this.cache.set(key, hit); }
    return hit;
  }

  apiVersions(): Rendered {
    return this.memo('api', () => render({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: this.serverAddress() }] }));
  }

  private group(name: string): Record<string, unknown> {
    const versions = this.registry.versions(name).map((v) => ({ groupVersion: gv(name, v), version: v }));
    return { name, versions, preferredVersion: versions[0] };
  }

  groupList(): Rendered {
    return this.memo('apis', () => render({ kind: 'APIGroupList', apiVersion: 'v1', groups: this.registry.groups().map((g) => this.group(g)) }));
  }

  apiGroup(name: string): Rendered | undefined {
    if (!this.registry.groups().includes(name)) return undefined;
    return this.memo(`group:${name}`, () => render({ kind: 'APIGroup', apiVersion: 'v1', ...this.group(name) }));
  }

  resourceList(group: string, version: string): Rendered | undefined {
    const infos = this.registry.resources(group, version);
    if (infos.length === 0) return undefined;
    return this.memo(`rl:${group}/${version}`, () => {
      const resources: Array<Record<string, unknown>> = [];
      for (const info of infos.sort((a, b) => a.resource.localeCompare(b.resource))) {
        const r: Record<string, unknown> = { name: info.resource, singularName: info.singular, namespaced: info.namespaced, kind: info.kind, verbs: info.verbs };
        if (info.shortNames.length) r.shortNames = info.shortNames;
        if (info.categories.length) r.categories = info.categories;
        resources.push(r);
        if (info.subresources.scale) resources.push({ name: `${info.resource}/scale`, singularName: '', namespaced: info.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
        if (info.subresources.status) resources.push({ name: `${info.resource}/status`, singularName: '', namespaced: info.namespaced, kind: info.kind, verbs: ['get', 'patch', 'update'] });
      }
      return render({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv(group, version), resources });
    });
  }

  private aggregatedResource(info: ResourceInfo): Record<string, unknown> {
    const r: Record<string, unknown> = {
      resource: info.resource, responseKind: { group: '', version: '', kind: info.kind }, scope: info.namespaced ? 'Namespaced' : 'Cluster',
      singularResource: info.singular, verbs: info.verbs,
    };
    if (info.shortNames.length) r.shortNames = info.shortNames;
    if (info.categories.length) r.categories = info.categories;
    const subresources: Array<Record<string, unknown>> = [];
    if (info.subresources.scale) subresources.push({ subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] });
    if (info.subresources.status) subresources.push({ subresource: 'status', responseKind: { group: '', version: '', kind: info.kind }, verbs: ['get', 'patch', 'update'] });
    if (subresources.length) r.subresources = subresources;
    return r;
  }

  /** APIGroupDiscoveryList for /api (core) or /apis (all other groups). */
  aggregated(core: boolean, version: 'v2' | 'v2beta1'): Rendered {
    return this.memo(`agg:${core}:${version}`, () => {
      const groups = core ? [''] : this.registry.groups();
      const items = groups.map((g) => ({
        metadata: { name: g, creationTimestamp: null },
        versions: this.registry.versions(g).map((v) => ({
          version: v,
          resources: this.registry.resources(g, v).sort((a, b) => a.resource.localeCompare(b.resource)).map((i) => this.aggregatedResource(i)),
          freshness: 'Current',
        })),
      }));
      return render({ kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items }, aggregatedTypes[version]);
    });
  }
}
