/**
 * The names the real API server accepts, checked before any request is built from them: a name
 * becomes a URL path segment, and a segment of `..` (or `%2E%2E`, which Node's URL parser decodes
 * and collapses) makes a request about a different object than the one checked. Ported from
 * apimachinery (`path.IsValidPathSegmentName`, `validation.IsDNS1123Subdomain`/`Label`,
 * `IsDNS1035Label`) and the per-kind name rules of kubernetes/pkg/apis/<group>/validation.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The rule every name obeys, whatever its kind: it must be usable as one path segment. */
export function pathSegmentProblem(name: string): string | undefined {
  if (name === '') return 'must not be empty';
  if (name === '.' || name === '..') return `may not be '${name}'`;
  if (name.includes('/')) return "may not contain '/'";
  if (name.includes('%')) return "may not contain '%'";
  return undefined;
}

export function dns1123LabelProblem(name: string): string | undefined {
  if (name.length > 63) return 'must be no more than 63 characters';
  if (!DNS1123_LABEL.test(name)) return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc')";
  return undefined;
}

export function dns1123SubdomainProblem(name: string): string | undefined {
  if (name.length > 253) return 'must be no more than 253 characters';
  if (!DNS1123_SUBDOMAIN.test(name)) return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')";
  return undefined;
}

export function dns1035LabelProblem(name: string): string | undefined {
  if (name.length > 63) return 'must be no more than 63 characters';
  if (!DNS1035_LABEL.test(name)) return "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name', or 'abc-123')";
  return undefined;
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/**
 * Built-in kinds whose names the server validates as DNS-1123 subdomains. Kinds not listed (custom
 * resources, kinds with rules of their own) get the path-segment rule only: refusing a name the
 * server would accept is a bug too, and the server still validates the rest.
 */
const SUBDOMAIN_KINDS = new Set([
  '/ConfigMap', '/Secret', '/ServiceAccount', '/Pod', '/PodTemplate', '/PersistentVolume', '/PersistentVolumeClaim', '/Endpoints',
  '/ReplicationController', '/ResourceQuota', '/LimitRange', '/Node',
  'apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', 'apps/ControllerRevision',
  'batch/Job', 'batch/CronJob', 'autoscaling/HorizontalPodAutoscaler', 'policy/PodDisruptionBudget',
  'networking.k8s.io/Ingress', 'networking.k8s.io/IngressClass', 'networking.k8s.io/NetworkPolicy',
  'storage.k8s.io/StorageClass', 'scheduling.k8s.io/PriorityClass', 'apiextensions.k8s.io/CustomResourceDefinition',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration', 'admissionregistration.k8s.io/MutatingWebhookConfiguration',
]);

/** What is wrong with `name` as the name of an object of this group and kind, or undefined. */
export function nameProblem(group: string, kind: string, name: string): string | undefined {
  const segment = pathSegmentProblem(name);
  if (segment) return segment;
  // RBAC names are path segments only, so that `system:…` names stay valid.
  if (group === RBAC_GROUP) return undefined;
  if (group === '' && kind === 'Namespace') return dns1123LabelProblem(name);
  if (group === '' && kind === 'Service') return dns1035LabelProblem(name);
  if (SUBDOMAIN_KINDS.has(`${group}/${kind}`)) return dns1123SubdomainProblem(name);
  return undefined;
}

/** What is wrong with `namespace` as a namespace name (a DNS-1123 label), or undefined. */
export function namespaceProblem(namespace: string): string | undefined {
  return pathSegmentProblem(namespace) ?? dns1123LabelProblem(namespace);
}

/** The first problem with an object's name or namespace, as "metadata.name: …" / "metadata.namespace: …". */
export function refProblem(ref: { group: string; kind: string; namespace?: string; name: string }): string | undefined {
  const name = nameProblem(ref.group, ref.kind, ref.name);
  if (name) return `metadata.name ${JSON.stringify(ref.name)}: ${name}`;
  if (ref.namespace !== undefined) {
    const namespace = namespaceProblem(ref.namespace);
    if (namespace) return `metadata.namespace ${JSON.stringify(ref.namespace)}: ${namespace}`;
  }
  return undefined;
}
