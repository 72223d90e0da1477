// Validation a real server does on create and update, with its exact cause reasons and messages.
import type { Obj, ResourceInfo, SchemaNode, StatusCause } from '../../contracts.ts';
import { requiredMissing } from '../../schema/index.ts';
import { required } from './causes.ts';
import { validateService } from './core.ts';
import { validateUpdate } from './immutable.ts';
import { validateName } from './names.ts';
import { validateConfigMap, validateSecret } from './data.ts';
import { validateMetadata } from './meta.ts';
import { validateIngress } from './networking.ts';
import { validateBinding } from './rbac.ts';
import { validateCronJob, validateJob, validatePodSpec, validateSelectorWorkload } from './workloads.ts';

function kindRules(info: ResourceInfo, obj: Obj): StatusCause[] {
  switch (`${info.group}/${info.kind}`) {
    case 'apps/Deployment':
    case 'apps/ReplicaSet':
    case 'apps/StatefulSet':
    case 'apps/DaemonSet':
      return validateSelectorWorkload(info.kind, obj);
    case 'batch/Job':
      return validateJob(obj);
    case 'batch/CronJob':
      return validateCronJob(obj);
    case '/Pod':
      return validatePodSpec(obj.spec, 'spec');
    case '/Service':
      return validateService(obj);
    case '/ConfigMap':
      return validateConfigMap(obj);
    case '/Secret':
      return validateSecret(obj);
    case 'networking.k8s.io/Ingress':
      return validateIngress(obj);
    case 'rbac.authorization.k8s.io/RoleBinding':
      return validateBinding(obj, false);
    case 'rbac.authorization.k8s.io/ClusterRoleBinding':
      return validateBinding(obj, true);
    default:
      return [];
  }
}

/**
 * Causes for an object about to be stored (merged and defaulted already): the kind's name rule,
 * its hand-written rules, required fields from the schema, and, on updates (`old` given), the
 * fields that may not change. An empty list means valid.
 */
export function validate(info: ResourceInfo, obj: Obj, old: Obj | undefined, schema: SchemaNode | undefined): StatusCause[] {
  const causes = [...validateName(info, obj), ...validateMetadata(obj), ...kindRules(info, obj)];
  const seen = new Set(causes.map((c) => `${c.field ?? ''}|${c.reason}`));
  // A missing struct the kind's own rules already report field by field (roleRef.kind, …).
  const within = (field: string): boolean => causes.some((c) => c.field?.startsWith(`${field}.`) === true);
  for (const m of requiredMissing(obj, schema)) {
    if (m.field.startsWith('metadata.') || seen.has(`${m.field}|FieldValueRequired`) || within(m.field)) continue;
    seen.add(`${m.field}|FieldValueRequired`);
    causes.push(required(m.field));
  }
  if (old) causes.push(...validateUpdate(info.group, info.kind, obj, old));
  return causes;
}

export { invalidStatus, qualifiedKind, required, invalid, forbidden, immutable, notSupported, renderValue } from './causes.ts';
export { dns1035Label, dns1123Label, dns1123Subdomain } from './names.ts';
export { nodePortAllocation, nodePortRange } from './nodeports.ts';
