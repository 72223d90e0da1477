/**
 * Discovery data the OpenAPI documents do not carry (short names, categories), the order groups
 * appear in /apis (kubectl resolves ambiguous names such as "events" by that order), and which
 * built-in types keep metadata.generation. Values as `kubectl api-resources` shows on Kubernetes 1.34.
 */
export const shortNames: Record<string, string[]> = {
  componentstatuses: ['cs'], configmaps: ['cm'], endpoints: ['ep'], events: ['ev'], limitranges: ['limits'],
  namespaces: ['ns'], nodes: ['no'], persistentvolumeclaims: ['pvc'], persistentvolumes: ['pv'], pods: ['po'],
  replicationcontrollers: ['rc'], resourcequotas: ['quota'], serviceaccounts: ['sa'], services: ['svc'],
  customresourcedefinitions: ['crd', 'crds'], daemonsets: ['ds'], deployments: ['deploy'], replicasets: ['rs'],
  statefulsets: ['sts'], horizontalpodautoscalers: ['hpa'], cronjobs: ['cj'], certificatesigningrequests: ['csr'],
  ingresses: ['ing'], networkpolicies: ['netpol'], poddisruptionbudgets: ['pdb'], priorityclasses: ['pc'],
  storageclasses: ['sc'],
};

const all = ['pods', 'replicationcontrollers', 'services', 'daemonsets', 'deployments', 'replicasets', 'statefulsets', 'horizontalpodautoscalers', 'cronjobs', 'jobs'];
const apiExtensions = ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings', 'mutatingadmissionpolicies', 'mutatingadmissionpolicybindings', 'customresourcedefinitions', 'apiservices'];

export function categoriesFor(group: string, resource: string): string[] {
  if (all.includes(resource) && !(group === 'events.k8s.io')) return ['all'];
  if (apiExtensions.includes(resource)) return ['api-extensions'];
  return [];
}

/** Group order of a 1.34 server's /apis; groups not listed follow, then CRD groups. */
export const groupOrder = [
  'apiregistration.k8s.io', 'apps', 'events.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io', 'autoscaling', 'batch',
  'certificates.k8s.io', 'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'storage.k8s.io', 'admissionregistration.k8s.io',
  'apiextensions.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'node.k8s.io', 'discovery.k8s.io', 'flowcontrol.apiserver.k8s.io',
];

/** Preferred versions where a group serves several. */
export const preferredVersion: Record<string, string> = { autoscaling: 'v2' };

/**
 * Built-in types whose strategy keeps metadata.generation, bumped by spec changes
 * (PrepareForUpdate in each type's strategy.go; pods since PodObservedGenerationTracking, beta in 1.34).
 */
export const specGeneration = new Set([
  'apps/deployments', 'apps/replicasets', 'apps/statefulsets', 'apps/daemonsets', 'batch/jobs', 'batch/cronjobs',
  '/replicationcontrollers', '/pods', 'networking.k8s.io/ingresses', 'networking.k8s.io/networkpolicies', 'policy/poddisruptionbudgets',
  'apiextensions.k8s.io/customresourcedefinitions', 'autoscaling/horizontalpodautoscalers',
  'admissionregistration.k8s.io/validatingadmissionpolicies', 'admissionregistration.k8s.io/validatingwebhookconfigurations',
  'admissionregistration.k8s.io/mutatingwebhookconfigurations', 'admissionregistration.k8s.io/validatingadmissionpolicybindings',
  'flowcontrol.apiserver.k8s.io/flowschemas', 'flowcontrol.apiserver.k8s.io/prioritylevelconfigurations',
]);

/** Computed, never stored (kubectl auth, TokenReview). */
export const virtualKinds = new Set(['SelfSubjectAccessReview', 'SelfSubjectReview', 'TokenReview', 'SubjectAccessReview', 'LocalSubjectAccessReview', 'SelfSubjectRulesReview']);
