// Update rules: fields a real server refuses to change (Validate*Update in pkg/apis/*/validation).
import type { Obj, StatusCause } from '../../contracts.ts';
import { cloneJson } from '../../json.ts';
import { deepEqual, get, objAt } from '../util.ts';
import { forbidden, immutable, invalid } from './causes.ts';
import { bindingUpdate } from './rbac.ts';

function selectorImmutable(o: Obj, old: Obj): StatusCause[] {
  const a = get(o, 'spec', 'selector');
  const b = get(old, 'spec', 'selector');
  return deepEqual(a, b) ? [] : [immutable('spec.selector', a ?? null)];
}

/** ValidateStatefulSetUpdate: only these spec fields may change. */
const statefulSetMutable = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

function statefulSetUpdate(o: Obj, old: Obj): StatusCause[] {
  const strip = (x: Obj): Obj => {
    const spec = { ...(objAt(x, 'spec') ?? {}) };
    for (const k of statefulSetMutable) delete spec[k];
    return spec;
  };
  if (deepEqual(strip(o), strip(old))) return [];
  return [forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")];
}

/** ValidateJobSpecUpdate: selector, template (while not suspended) and completionMode stay. */
function jobUpdate(o: Obj, old: Obj): StatusCause[] {
  const out = selectorImmutable(o, old);
  const t = get(o, 'spec', 'template');
  if (!deepEqual(t, get(old, 'spec', 'template')) && get(old, 'spec', 'suspend') !== true) out.push(immutable('spec.template', t ?? null));
  const mode = get(o, 'spec', 'completionMode');
  if (!deepEqual(mode, get(old, 'spec', 'completionMode'))) out.push(immutable('spec.completionMode', mode ?? null));
  return out;
}

/** validateUpgradeDowngradeClusterIPs: the primary cluster IP may not change once set. */
function serviceUpdate(o: Obj, old: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const type = get(o, 'spec', 'type');
  const oldType = get(old, 'spec', 'type');
  if (type === 'ExternalName' || oldType === 'ExternalName') return out;
  const ips = get(o, 'spec', 'clusterIPs');
  const oldIps = get(old, 'spec', 'clusterIPs');
  if (Array.isArray(oldIps) && oldIps.length > 0 && (!Array.isArray(ips) || ips[0] !== oldIps[0])) {
    out.push(invalid('spec.clusterIPs[0]', ips ?? null, 'may not change once set'));
  }
  return out;
}

/** ValidatePersistentVolumeClaimUpdate: only resources.requests (and the attributes class) change. */
function pvcUpdate(o: Obj, old: Obj): StatusCause[] {
  const strip = (x: Obj): Obj => {
    const spec = cloneJson(objAt(x, 'spec') ?? {});
    const res = objAt(spec, 'resources');
    if (res) delete res.requests;
    delete spec.volumeAttributesClassName;
    // The binder fills volumeName once; a claim that names no volume may still get one.
    if (!get(old, 'spec', 'volumeName')) delete spec.volumeName;
    return spec;
  };
  if (deepEqual(strip(o), strip(old))) return [];
  return [forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims')];
}

/** ConfigMaps and Secrets marked immutable keep their data (ValidateConfigMapUpdate, ValidateSecretUpdate). */
function dataUpdate(kind: 'ConfigMap' | 'Secret', o: Obj, old: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  if (kind === 'Secret' && (old.type ?? 'Opaque') !== (o.type ?? 'Opaque')) out.push(immutable('type', o.type ?? null));
  if (old.immutable !== true) return out;
  const msg = 'field is immutable when `immutable` is set';
  if (o.immutable !== true) out.push(forbidden('immutable', msg));
  if (!deepEqual(o.data ?? {}, old.data ?? {})) out.push(forbidden('data', msg));
  if (kind === 'ConfigMap' && !deepEqual(o.binaryData ?? {}, old.binaryData ?? {})) out.push(forbidden('binaryData', msg));
  return out;
}

export function validateUpdate(group: string, kind: string, o: Obj, old: Obj): StatusCause[] {
  switch (`${group}/${kind}`) {
    case 'apps/Deployment':
    case 'apps/ReplicaSet':
    case 'apps/DaemonSet':
      return selectorImmutable(o, old);
    case 'apps/StatefulSet':
      return statefulSetUpdate(o, old);
    case 'batch/Job':
      return jobUpdate(o, old);
    case '/Service':
      return serviceUpdate(o, old);
    case '/PersistentVolumeClaim':
      return pvcUpdate(o, old);
    case '/ConfigMap':
      return dataUpdate('ConfigMap', o, old);
    case '/Secret':
      return dataUpdate('Secret', o, old);
    case 'rbac.authorization.k8s.io/RoleBinding':
    case 'rbac.authorization.k8s.io/ClusterRoleBinding':
      return bindingUpdate(o, old);
    default:
      return [];
  }
}
