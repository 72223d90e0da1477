import type { ControllerHost, Obj, ResourceInfo, StoreEvent } from '../contracts.ts';
import { admitPodSecurity } from './admission/podsecurity-admission.ts';
import type { Cluster } from './cluster.ts';
import { deleteObject } from './verbs.ts';

/**
 * The user a Pod's controller writes as: kube-controller-manager with
 * `--use-service-account-credentials` (as kubeadm runs it) acts as one ServiceAccount per controller,
 * which PodSecurity's `exemptions.usernames` can name.
 */
const controllerAccounts: Record<string, string> = { ReplicaSet: 'replicaset-controller', StatefulSet: 'statefulset-controller', DaemonSet: 'daemon-set-controller', Job: 'job-controller' };

function controllerUser(object: Obj): string | undefined {
  const owners = (object.metadata as { ownerReferences?: Array<{ kind?: string; controller?: boolean }> } | undefined)?.ownerReferences ?? [];
  const account = controllerAccounts[owners.find((o) => o.controller)?.kind ?? ''];
  return account ? `system:serviceaccount:kube-system:${account}` : undefined;
}

/**
 * The cluster's own view of the store for lifecycle controllers: their writes skip client rules and
 * request counting, but bump resourceVersions and emit events like any write. Events reach them
 * after the write that caused them has finished, so that watchers see events in order.
 */
export class Host implements ControllerHost {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly cluster: Cluster) {}

  resource(group: string, kind: string): ResourceInfo | undefined {
    return this.cluster.registry.byKind(group, kind);
  }

  list(resource: ResourceInfo, namespace?: string): Obj[] {
    return this.cluster.store.list(resource, namespace).map((o) => this.cluster.view(resource, o));
  }

  listOwned(resource: ResourceInfo, namespace: string | undefined, ownerUid: string): Obj[] {
    return this.cluster.store.listOwned(resource, namespace, ownerUid).map((o) => this.cluster.view(resource, o));
  }

  get(resource: ResourceInfo, namespace: string | undefined, name: string): Obj | undefined {
    const obj = this.cluster.store.get(resource, namespace, name);
    return obj && this.cluster.view(resource, obj);
  }

  create(resource: ResourceInfo, object: Obj, manager: string): Obj {
    const ns = (object.metadata as { namespace?: string } | undefined)?.namespace;
    // Controllers' Pods go through PodSecurity enforce like any Pod (their templates were only warned about).
    const user = controllerUser(object);
    const admit = resource.group === '' && resource.resource === 'pods' ? (i: ResourceInfo, next: Obj, old: Obj | undefined): void => admitPodSecurity(this.cluster, i, next, old, user ? { user } : {}) : undefined;
    // ValidatingAdmissionPolicies see the same user (admission's userInfo) for the Pods they admit.
    const requester = admit ? { user: { name: user ?? 'system:kube-controller-manager', uid: '', groups: user ? ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] : ['system:authenticated'] } } : {};
    return this.cluster.create(resource, ns, object, { manager, internal: true, admit, ...requester });
  }

  /** One entry per served group/resource, in its preferred version. */
  resources(): ResourceInfo[] {
    const { registry } = this.cluster;
    const seen = new Map<string, ResourceInfo>();
    for (const info of registry.all()) {
      const key = `${info.group}/${info.resource}`;
      const current = seen.get(key);
      if (!current || info.version === registry.preferred(info.group)) seen.set(key, info);
    }
    return [...seen.values()];
  }

  update(resource: ResourceInfo, object: Obj, manager: string, subresource?: 'status' | 'finalize'): Obj {
    const meta = (object.metadata ?? {}) as { namespace?: string; name: string };
    return this.cluster.update(resource, meta.namespace, meta.name, object, { manager, internal: true, subresource });
  }

  delete(resource: ResourceInfo, namespace: string | undefined, name: string, propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'): void {
    deleteObject(this.cluster, resource, namespace, name, { propagationPolicy });
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    return this.cluster.store.subscribe((e) => {
      const event: StoreEvent = { type: e.type, resource: e.resource, object: e.object };
      queueMicrotask(() => {
        if (this.stopped) return;
        try {
          listener(event);
        } catch (err) {
          process.stderr.write(`sandbox controller failed on ${e.type} ${e.resource.resource}: ${(err as Error).stack ?? String(err)}\n`);
        }
      });
    });
  }

  now(): Date {
    return this.cluster.clock();
  }

  after(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      try {
        fn();
      } catch (err) {
        process.stderr.write(`sandbox controller timer failed: ${(err as Error).stack ?? String(err)}\n`);
      }
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
