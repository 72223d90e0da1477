// Workload defaults, after kubernetes/kubernetes pkg/apis/apps/v1/defaults.go and
// pkg/apis/batch/v1/defaults.go, plus the Job selector generation of
// pkg/registry/batch/job/strategy.go (generateSelector, run in PrepareForCreate).
import { randomUUID } from 'node:crypto';
import type { Obj } from '../../contracts.ts';
import { child, dflt, isObj, objAt } from '../util.ts';
import { templateDefaults } from './pod.ts';

/** SetDefaults_Deployment. */
export function deploymentDefaults(o: Obj): void {
  const spec = child(o, 'spec');
  dflt(spec, 'replicas', 1);
  const strategy = child(spec, 'strategy');
  dflt(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = child(strategy, 'rollingUpdate');
    dflt(ru, 'maxUnavailable', '25%');
    dflt(ru, 'maxSurge', '25%');
  }
  dflt(spec, 'revisionHistoryLimit', 10);
  dflt(spec, 'progressDeadlineSeconds', 600);
  templateDefaults(spec.template);
}

/** SetDefaults_ReplicaSet. */
export function replicaSetDefaults(o: Obj): void {
  const spec = child(o, 'spec');
  dflt(spec, 'replicas', 1);
  templateDefaults(spec.template);
}

/**
 * SetDefaults_StatefulSet. maxUnavailable is only defaulted behind the MaxUnavailableStatefulSet
 * gate, which is off in 1.34, so a RollingUpdate strategy shows just `partition: 0`.
 */
export function statefulSetDefaults(o: Obj): void {
  const spec = child(o, 'spec');
  dflt(spec, 'podManagementPolicy', 'OrderedReady');
  const strategy = child(spec, 'updateStrategy');
  if (strategy.type === undefined) {
    strategy.type = 'RollingUpdate';
    dflt(strategy, 'rollingUpdate', {});
  }
  const ru = objAt(strategy, 'rollingUpdate');
  if (strategy.type === 'RollingUpdate' && ru) dflt(ru, 'partition', 0);
  // StatefulSetAutoDeletePVC is GA since 1.32.
  const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
  dflt(retention, 'whenDeleted', 'Retain');
  dflt(retention, 'whenScaled', 'Retain');
  dflt(spec, 'replicas', 1);
  dflt(spec, 'revisionHistoryLimit', 10);
  templateDefaults(spec.template);
  // volumeClaimTemplates are PersistentVolumeClaims and get their defaults too.
  if (Array.isArray(spec.volumeClaimTemplates)) {
    for (const pvc of spec.volumeClaimTemplates) if (isObj(pvc)) pvcDefaults(pvc);
  }
}

/** SetDefaults_DaemonSet. */
export function daemonSetDefaults(o: Obj): void {
  const spec = child(o, 'spec');
  const strategy = child(spec, 'updateStrategy');
  dflt(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = child(strategy, 'rollingUpdate');
    dflt(ru, 'maxUnavailable', 1);
    dflt(ru, 'maxSurge', 0);
  }
  dflt(spec, 'revisionHistoryLimit', 10);
  templateDefaults(spec.template);
}

/** SetDefaults_PersistentVolumeClaim (core/v1), shared with StatefulSet claim templates. */
export function pvcDefaults(o: Obj): void {
  const spec = child(o, 'spec');
  dflt(spec, 'volumeMode', 'Filesystem');
  dflt(spec, 'resources', {});
  dflt(child(o, 'status'), 'phase', 'Pending');
}

/** generateSelector: the uid-based selector and labels a Job gets unless manualSelector. */
function generateSelector(o: Obj, spec: Obj): void {
  if (spec.manualSelector === true) return;
  const meta = child(o, 'metadata');
  if (typeof meta.uid !== 'string') meta.uid = randomUUID();
  const uid = meta.uid as string;
  const name = typeof meta.name === 'string' ? meta.name : '';
  const template = child(spec, 'template');
  const labels = child(child(template, 'metadata'), 'labels');
  labels['batch.kubernetes.io/controller-uid'] = uid;
  labels['batch.kubernetes.io/job-name'] = name;
  // The legacy unprefixed labels are still written for compatibility.
  labels['controller-uid'] = uid;
  labels['job-name'] = name;
  if (!isObj(spec.selector)) spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
}

/** SetDefaults_Job (batch/v1) after the registry's generateSelector. */
export function jobDefaults(o: Obj): void {
  const spec = child(o, 'spec');
  generateSelector(o, spec);
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  dflt(spec, 'parallelism', 1);
  // backoffLimitPerIndex switches the global limit off (MaxInt32).
  dflt(spec, 'backoffLimit', spec.backoffLimitPerIndex != null ? 2147483647 : 6);
  const meta = child(o, 'metadata');
  const templateLabels = objAt(spec, 'template', 'metadata', 'labels');
  if (templateLabels && !(isObj(meta.labels) && Object.keys(meta.labels).length > 0)) meta.labels = { ...templateLabels };
  dflt(spec, 'completionMode', 'NonIndexed');
  dflt(spec, 'suspend', false);
  if (isObj(spec.podFailurePolicy)) {
    const rules = Array.isArray(spec.podFailurePolicy.rules) ? spec.podFailurePolicy.rules : [];
    for (const r of rules) {
      for (const p of Array.isArray(r?.onPodConditions) ? r.onPodConditions : []) if (isObj(p)) dflt(p, 'status', 'True');
    }
  }
  // JobPodReplacementPolicy (beta since 1.29, on by default).
  dflt(spec, 'podReplacementPolicy', isObj(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed');
  templateDefaults(spec.template);
}

/** SetDefaults_CronJob; the job template's pod spec gets pod defaults but not Job defaults. */
export function cronJobDefaults(o: Obj): void {
  const spec = child(o, 'spec');
  dflt(spec, 'concurrencyPolicy', 'Allow');
  dflt(spec, 'suspend', false);
  dflt(spec, 'successfulJobsHistoryLimit', 3);
  dflt(spec, 'failedJobsHistoryLimit', 1);
  templateDefaults(objAt(spec, 'jobTemplate', 'spec')?.template);
}
