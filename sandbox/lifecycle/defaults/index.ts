// Defaults the real API server sets in code, so that a diff against a live sandbox object shows
// the same noise a real cluster shows. Each kind's source is cited in its module.
import type { Obj, ResourceInfo } from '../../contracts.ts';
import { cloneJson } from '../../json.ts';
import { child } from '../util.ts';
import { bindingDefaults, endpointsDefaults, hpaDefaults, ingressDefaults, namespaceDefaults, networkPolicyDefaults, persistentVolumeDefaults, secretDefaults, storageClassDefaults } from './core.ts';
import { podDefaults, templateDefaults } from './pod.ts';
import { serviceDefaults, serviceKeepAllocated } from './service.ts';
import { cronJobDefaults, daemonSetDefaults, deploymentDefaults, jobDefaults, pvcDefaults, replicaSetDefaults, statefulSetDefaults } from './workloads.ts';

type Defaulter = (o: Obj) => void;

const byKind: Record<string, Defaulter> = {
  '/Pod': podDefaults,
  '/PodTemplate': (o) => templateDefaults(o.template),
  '/ReplicationController': (o) => {
    const spec = child(o, 'spec');
    if (spec.replicas == null) spec.replicas = 1;
    templateDefaults(spec.template);
  },
  '/Service': (o) => serviceDefaults(o),
  '/Namespace': namespaceDefaults,
  '/Secret': secretDefaults,
  '/PersistentVolumeClaim': pvcDefaults,
  '/PersistentVolume': persistentVolumeDefaults,
  '/Endpoints': endpointsDefaults,
  'discovery.k8s.io/EndpointSlice': endpointsDefaults,
  'apps/Deployment': deploymentDefaults,
  'apps/ReplicaSet': replicaSetDefaults,
  'apps/StatefulSet': statefulSetDefaults,
  'apps/DaemonSet': daemonSetDefaults,
  'batch/Job': jobDefaults,
  'batch/CronJob': cronJobDefaults,
  'networking.k8s.io/Ingress': ingressDefaults,
  'networking.k8s.io/NetworkPolicy': networkPolicyDefaults,
  'rbac.authorization.k8s.io/RoleBinding': bindingDefaults,
  'rbac.authorization.k8s.io/ClusterRoleBinding': bindingDefaults,
  'storage.k8s.io/StorageClass': storageClassDefaults,
  'autoscaling/HorizontalPodAutoscaler': hpaDefaults,
};

/**
 * What an update keeps from the stored object when the request omits it: allocated Service
 * addresses and node ports, and a Job's generated selector and labels.
 */
export function defaultsNeedOld(info: ResourceInfo, obj: Obj, old: Obj): void {
  if (info.group === '' && info.kind === 'Service') serviceKeepAllocated(obj, old);
  if (info.group === 'batch' && info.kind === 'Job') {
    const spec = child(obj, 'spec');
    const oldSpec = child(cloneJson(old), 'spec');
    if (spec.manualSelector !== true && spec.selector === undefined && oldSpec.selector !== undefined) spec.selector = oldSpec.selector;
  }
}

/**
 * Sets in place the defaults the real server sets in code. On updates pass the stored object as
 * `old` (or call defaultsNeedOld first) so allocated values are kept rather than allocated anew.
 */
export function applyDefaults(info: ResourceInfo, obj: Obj, old?: Obj): void {
  if (old) defaultsNeedOld(info, obj, old);
  byKind[`${info.group}/${info.kind}`]?.(obj);
}

export { ServiceAllocator, serviceAllocator, kubernetesServiceIP } from './service.ts';
