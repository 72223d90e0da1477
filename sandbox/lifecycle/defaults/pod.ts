// Pod and pod-template defaults, after kubernetes/kubernetes pkg/apis/core/v1/defaults.go
// (SetDefaults_PodSpec, SetDefaults_Container, SetDefaults_Probe, SetDefaults_Volume, …) and
// the generated zz_generated.defaults.go that walks every container list.
import type { Obj } from '../../contracts.ts';
import { formatQuantity, parseQuantity } from '../../schema/quantity.ts';
import { child, dflt, imageTag, isObj, listAt, objAt } from '../util.ts';

/**
 * resource.Quantity is stored as it marshals: its canonical String() (`0.5` → `500m`, `1000m` →
 * `1`), so what a client wrote and what it reads back can differ in form, not in value.
 */
function canonicalResources(res: Obj | undefined): void {
  for (const field of ['requests', 'limits']) {
    const list = res && objAt(res, field);
    if (!list) continue;
    for (const [k, v] of Object.entries(list)) {
      const q = parseQuantity(v);
      if (q) list[k] = formatQuantity(q);
    }
  }
}

/** SetDefaults_Container: imagePullPolicy depends on the tag (":latest" or none → Always). */
function container(c: Obj): void {
  if (typeof c.image === 'string') {
    const tag = imageTag(c.image);
    dflt(c, 'imagePullPolicy', tag === undefined && !c.image.includes('@') ? 'Always' : tag === 'latest' ? 'Always' : 'IfNotPresent');
  }
  dflt(c, 'terminationMessagePath', '/dev/termination-log');
  dflt(c, 'terminationMessagePolicy', 'File');
  // ResourceRequirements is a struct (not a pointer) in the Go type, so it is always serialised.
  dflt(c, 'resources', {});
  canonicalResources(objAt(c, 'resources'));
  for (const p of listAt(c, 'ports')) dflt(p, 'protocol', 'TCP'); // SetDefaults_ContainerPort
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const pr = objAt(c, probe);
    if (pr) probeDefaults(pr);
  }
  for (const hook of ['postStart', 'preStop']) {
    const h = objAt(c, 'lifecycle', hook);
    const http = h && objAt(h, 'httpGet');
    if (http) httpGet(http);
  }
  for (const e of listAt(c, 'env')) {
    const fieldRef = objAt(e, 'valueFrom', 'fieldRef');
    if (fieldRef) dflt(fieldRef, 'apiVersion', 'v1'); // SetDefaults_ObjectFieldSelector
  }
}

function httpGet(h: Obj): void {
  dflt(h, 'path', '/'); // SetDefaults_HTTPGetAction
  dflt(h, 'scheme', 'HTTP');
}

/** SetDefaults_Probe plus the action defaults reached through it. */
function probeDefaults(p: Obj): void {
  dflt(p, 'timeoutSeconds', 1);
  dflt(p, 'periodSeconds', 10);
  dflt(p, 'successThreshold', 1);
  dflt(p, 'failureThreshold', 3);
  const http = objAt(p, 'httpGet');
  if (http) httpGet(http);
  const grpc = objAt(p, 'grpc');
  if (grpc) dflt(grpc, 'service', ''); // SetDefaults_GRPCAction
}

/** SetDefaults_Volume and the defaultMode of projected sources (0644 = 420). */
function volume(v: Obj): void {
  const sources = Object.keys(v).filter((k) => k !== 'name');
  if (sources.length === 0) v.emptyDir = {};
  for (const k of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const src = objAt(v, k);
    if (src) dflt(src, 'defaultMode', 420);
  }
  const hostPath = objAt(v, 'hostPath');
  if (hostPath) dflt(hostPath, 'type', '');
  for (const item of listAt(v, 'downwardAPI', 'items')) {
    const fieldRef = objAt(item, 'fieldRef');
    if (fieldRef) dflt(fieldRef, 'apiVersion', 'v1');
  }
  const iscsi = objAt(v, 'iscsi');
  if (iscsi) dflt(iscsi, 'iscsiInterface', 'default');
}

/** SetDefaults_PodSpec and everything reached from a PodSpec. */
export function podSpecDefaults(spec: Obj): void {
  dflt(spec, 'dnsPolicy', 'ClusterFirst');
  dflt(spec, 'restartPolicy', 'Always');
  dflt(spec, 'terminationGracePeriodSeconds', 30);
  dflt(spec, 'securityContext', {});
  dflt(spec, 'schedulerName', 'default-scheduler');
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) for (const c of listAt(spec, list)) container(c);
  for (const v of listAt(spec, 'volumes')) volume(v);
  // With hostNetwork the hostPort follows the containerPort (SetDefaults_PodSpec).
  if (spec.hostNetwork === true) {
    for (const list of ['initContainers', 'containers']) {
      for (const c of listAt(spec, list)) for (const p of listAt(c, 'ports')) dflt(p, 'hostPort', p.containerPort);
    }
  }
}

/** A PodTemplateSpec: only its spec has defaults. */
export function templateDefaults(template: unknown): void {
  if (!isObj(template)) return;
  podSpecDefaults(child(template, 'spec'));
}

/**
 * A bare Pod: SetDefaults_Pod adds enableServiceLinks and copies limits into missing requests;
 * admission plugins (ServiceAccount, Priority, DefaultTolerationSeconds) add the rest.
 */
export function podDefaults(pod: Obj): void {
  const spec = child(pod, 'spec');
  podSpecDefaults(spec);
  dflt(spec, 'enableServiceLinks', true);
  for (const c of listAt(spec, 'containers')) {
    const res = objAt(c, 'resources');
    const limits = res && objAt(res, 'limits');
    if (res && limits) {
      const requests = child(res, 'requests');
      for (const [k, v] of Object.entries(limits)) dflt(requests, k, v);
    }
  }
  dflt(spec, 'serviceAccountName', 'default');
  dflt(spec, 'serviceAccount', spec.serviceAccountName);
  dflt(spec, 'priority', 0);
  dflt(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  // DefaultTolerationSeconds adds each toleration unless one already covers that taint.
  const tolerations = listAt(spec, 'tolerations');
  for (const t of ['not-ready', 'unreachable']) {
    const key = `node.kubernetes.io/${t}`;
    const covered = tolerations.some((x) => (x.key === key || (x.key === undefined && x.operator === 'Exists')) && (x.effect === undefined || x.effect === 'NoExecute'));
    if (!covered) tolerations.push({ effect: 'NoExecute', key, operator: 'Exists', tolerationSeconds: 300 });
  }
  spec.tolerations = tolerations;
  const status = child(pod, 'status');
  dflt(status, 'phase', 'Pending');
  dflt(status, 'qosClass', qosClass(spec));
}

/** pkg/apis/core/helper/qos.GetPodQOS, reduced to cpu and memory. */
function qosClass(spec: Obj): string {
  let any = false;
  let guaranteed = true;
  for (const c of listAt(spec, 'containers')) {
    const req = objAt(c, 'resources', 'requests') ?? {};
    const lim = objAt(c, 'resources', 'limits') ?? {};
    if (Object.keys(req).length + Object.keys(lim).length > 0) any = true;
    for (const r of ['cpu', 'memory']) if (lim[r] === undefined || String(lim[r]) !== String(req[r] ?? lim[r])) guaranteed = false;
  }
  return !any ? 'BestEffort' : guaranteed ? 'Guaranteed' : 'Burstable';
}
