// Defaults of non-workload kinds: core/v1 (Namespace, Secret, PersistentVolume), rbac/v1,
// storage/v1, networking/v1 and autoscaling/v2 defaults.go, plus the registry
// PrepareForCreate steps that fill fields on create (Namespace finalizers and phase).
import type { Obj } from '../../contracts.ts';
import { cloneJson } from '../../json.ts';
import { child, dflt, isObj, listAt, objAt, str } from '../util.ts';

/** SetDefaults_Namespace (the name label) and namespace strategy PrepareForCreate. */
export function namespaceDefaults(o: Obj): void {
  const name = str(o, 'metadata', 'name');
  if (name !== undefined) child(child(o, 'metadata'), 'labels')['kubernetes.io/metadata.name'] = name;
  const spec = child(o, 'spec');
  if (!Array.isArray(spec.finalizers)) spec.finalizers = ['kubernetes'];
  dflt(child(o, 'status'), 'phase', 'Active');
}

/**
 * SetDefaults_Secret, and the v1 → internal conversion that folds stringData into data
 * (stringData wins on a shared key) so stringData is never stored.
 */
export function secretDefaults(o: Obj): void {
  dflt(o, 'type', 'Opaque');
  if (isObj(o.stringData)) {
    const data = child(o, 'data');
    for (const [k, v] of Object.entries(o.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  }
  delete o.stringData;
}

/** SetDefaults_PersistentVolume. */
export function persistentVolumeDefaults(o: Obj): void {
  const spec = child(o, 'spec');
  dflt(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  dflt(spec, 'volumeMode', 'Filesystem');
  dflt(child(o, 'status'), 'phase', 'Pending');
}

/** rbac/v1 SetDefaults_Subject: users and groups live in the RBAC group, service accounts in core. */
export function bindingDefaults(o: Obj): void {
  for (const s of listAt(o, 'subjects')) {
    if (s.apiGroup !== undefined) continue;
    if (s.kind === 'ServiceAccount') s.apiGroup = '';
    else if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = 'rbac.authorization.k8s.io';
  }
}

/** storage/v1 SetDefaults_StorageClass. */
export function storageClassDefaults(o: Obj): void {
  dflt(o, 'reclaimPolicy', 'Delete');
  dflt(o, 'volumeBindingMode', 'Immediate');
}

/** networking/v1 SetDefaults_NetworkPolicy and SetDefaults_NetworkPolicyPort. */
export function networkPolicyDefaults(o: Obj): void {
  const spec = child(o, 'spec');
  for (const dir of ['ingress', 'egress']) {
    for (const rule of listAt(spec, dir)) for (const p of listAt(rule, 'ports')) dflt(p, 'protocol', 'TCP');
  }
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    const types = ['Ingress'];
    if (Array.isArray(spec.egress) && spec.egress.length > 0) types.push('Egress');
    spec.policyTypes = types;
  }
}

/** An Ingress carries an empty load-balancer status from the start, as a Service does. */
export function ingressDefaults(o: Obj): void {
  dflt(child(o, 'status'), 'loadBalancer', {});
}

const scaleUp = { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] };
const scaleDown = { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };

function fillRules(rules: Obj | undefined, defaults: Obj): Obj {
  const out: Obj = { ...(rules ?? {}) };
  for (const [k, v] of Object.entries(defaults)) if (out[k] === undefined) out[k] = cloneJson(v);
  return out;
}

/** autoscaling/v2 SetDefaults_HorizontalPodAutoscaler and its behavior defaults. */
export function hpaDefaults(o: Obj): void {
  const spec = child(o, 'spec');
  dflt(spec, 'minReplicas', 1);
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  const behavior = objAt(spec, 'behavior');
  if (behavior) {
    behavior.scaleUp = fillRules(objAt(behavior, 'scaleUp'), scaleUp);
    // Scale-down stabilization defaults to the controller's 300 s window.
    behavior.scaleDown = fillRules(objAt(behavior, 'scaleDown'), { stabilizationWindowSeconds: 300, ...scaleDown });
  }
}

/** core/v1 SetDefaults_Endpoints ports and discovery/v1 EndpointSlice ports use TCP. */
export function endpointsDefaults(o: Obj): void {
  for (const subset of listAt(o, 'subsets')) for (const p of listAt(subset, 'ports')) dflt(p, 'protocol', 'TCP');
  for (const p of listAt(o, 'ports')) dflt(p, 'protocol', 'TCP');
}
