// A small kube-controller-manager for the sandbox: it subscribes to the store, routes events to
// each controller's queue, and stops (timers and subscription) when told to.
import type { ControllerHost, StoreEvent } from '../../contracts.ts';
import { DeploymentController } from './deployments.ts';
import { EndpointsController } from './endpoints.ts';
import { GarbageCollector } from './gc.ts';
import { JobController } from './jobs.ts';
import { NamespaceController } from './namespaces.ts';
import { PodController } from './pods.ts';
import { QuotaController } from './quota.ts';
import { ReplicaSetController } from './replicasets.ts';
import { type ControllerOptions, Runtime } from './runtime.ts';
import { ServiceController } from './services.ts';
import { SetController } from './sets.ts';
import { VolumeController } from './volumes.ts';

export type { ControllerOptions } from './runtime.ts';

/**
 * Starts the controllers on `host` and returns a function that stops them. Readiness, Job runs
 * and namespace emptying take `readyDelayMs` (default 2000 ms; tests pass a few ms).
 */
export function startControllers(host: ControllerHost, options: ControllerOptions = {}): () => void {
  const rt = new Runtime(host, options);
  const namespaces = new NamespaceController(rt);
  const deployments = new DeploymentController(rt);
  const replicaSets = new ReplicaSetController(rt, (ns, ref) => deployments.ownerChanged(ns, ref));
  const sets = new SetController(rt);
  const jobs = new JobController(rt);
  const volumes = new VolumeController(rt);
  const services = new ServiceController(rt);
  const pods = new PodController(rt);
  const endpoints = new EndpointsController(rt);
  const gc = new GarbageCollector(rt);
  const quotas = new QuotaController(rt);
  const handlers: Array<(e: StoreEvent) => void> = [
    (e) => namespaces.onEvent(e),
    (e) => deployments.onEvent(e),
    (e) => replicaSets.onEvent(e),
    (e) => sets.onEvent(e),
    (e) => jobs.onEvent(e),
    (e) => volumes.onEvent(e),
    (e) => services.onEvent(e),
    (e) => pods.onEvent(e),
    (e) => endpoints.onEvent(e),
    (e) => gc.onEvent(e),
    (e) => quotas.onEvent(e),
  ];
  const unsubscribe = host.subscribe((e) => {
    if (rt.isStopped) return;
    rt.noteType(e.resource);
    for (const h of handlers) h(e);
  });
  // Objects already stored (a restored state file) get the same treatment as new ones.
  rt.enqueue('bootstrap', () => {
    namespaces.start();
    for (const info of rt.types()) {
      for (const object of host.list(info)) for (const h of handlers.slice(1)) h({ type: 'ADDED', resource: info, object });
    }
  });
  return () => {
    rt.stop();
    unsubscribe();
  };
}
