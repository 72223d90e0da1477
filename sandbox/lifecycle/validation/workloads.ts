// Spec rules of workloads that clients run into, after pkg/apis/apps/validation and
// pkg/apis/batch/validation (ValidateDeploymentSpec, ValidatePodTemplateSpecForReplicaSet, …).
import type { Obj, StatusCause } from '../../contracts.ts';
import { isObj, listAt, objAt, selectorIsEmpty, selectorMatches, str } from '../util.ts';
import { forbidden, invalid, notSupported, required } from './causes.ts';
import { validatePodContainers } from './containers.ts';

/** ValidatePodSpec: at least one container, each valid (see containers.ts). */
export function validatePodSpec(spec: unknown, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (!isObj(spec)) return out;
  if (listAt(spec, 'containers').length === 0) out.push(required(`${path}.containers`));
  out.push(...validatePodContainers(spec, path));
  return out;
}

/** ValidateDeploymentStrategy: Recreate takes no rollingUpdate block. */
function deploymentStrategy(spec: Obj): StatusCause[] {
  const strategy = objAt(spec, 'strategy');
  if (!strategy) return [];
  const type = str(strategy, 'type');
  if (type === 'Recreate') {
    return strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null ? [forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'")] : [];
  }
  if (type === 'RollingUpdate' || type === undefined) return [];
  return [notSupported('spec.strategy.type', type, ['Recreate', 'RollingUpdate'])];
}

/**
 * ValidatePodTemplateSpecForReplicaSet: the selector must match the template's labels; a nil
 * selector selects nothing (labels.Nothing), so a missing selector reports the mismatch too.
 */
function templateForSelector(spec: Obj, path: string, restartAlways: boolean): StatusCause[] {
  const out: StatusCause[] = [];
  const template = objAt(spec, 'template');
  if (!template) return [required(`${path}.template`)];
  const labels = objAt(template, 'metadata', 'labels');
  const selector = spec.selector;
  if (!(isObj(selector) && selectorIsEmpty(selector))) {
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels ?? {})) flat[k] = String(v);
    if (!isObj(selector) || !selectorMatches(selector, flat)) {
      out.push(invalid(`${path}.template.metadata.labels`, labels ?? null, '`selector` does not match template `labels`'));
    }
  }
  const restart = str(template, 'spec', 'restartPolicy');
  if (restartAlways && restart !== undefined && restart !== 'Always') out.push(notSupported(`${path}.template.spec.restartPolicy`, restart, ['Always']));
  out.push(...validatePodSpec(template.spec, `${path}.template.spec`));
  return out;
}

function replicas(spec: Obj, path: string): StatusCause[] {
  const r = spec.replicas;
  return typeof r === 'number' && r < 0 ? [invalid(`${path}.replicas`, r, 'must be greater than or equal to 0')] : [];
}

/** Deployment, ReplicaSet, StatefulSet and DaemonSet share the selector rules. */
export function validateSelectorWorkload(kind: string, o: Obj): StatusCause[] {
  const spec = objAt(o, 'spec') ?? {};
  const out: StatusCause[] = [];
  if (spec.selector === undefined || spec.selector === null) {
    out.push(required('spec.selector'));
  } else if (selectorIsEmpty(spec.selector)) {
    out.push(invalid('spec.selector', spec.selector, `empty selector is invalid for ${kind === 'Deployment' ? 'deployment' : kind === 'DaemonSet' ? 'daemonset' : kind === 'StatefulSet' ? 'statefulset' : 'replicaset'}`));
  }
  out.push(...replicas(spec, 'spec'));
  out.push(...templateForSelector(spec, 'spec', true));
  if (kind === 'Deployment') {
    out.push(...deploymentStrategy(spec));
    const pds = spec.progressDeadlineSeconds;
    const mrs = typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0;
    if (typeof pds === 'number' && pds <= mrs) out.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  return out;
}

/** ValidateJobSpec: restartPolicy OnFailure or Never; a manual selector must match the labels. */
export function validateJob(o: Obj): StatusCause[] {
  const spec = objAt(o, 'spec') ?? {};
  const out: StatusCause[] = [];
  const template = objAt(spec, 'template');
  if (!template) return [required('spec.template')];
  const restart = str(template, 'spec', 'restartPolicy');
  if (restart !== 'OnFailure' && restart !== 'Never') {
    out.push(notSupported('spec.template.spec.restartPolicy', restart ?? '', ['OnFailure', 'Never']));
  }
  if (spec.selector === undefined) out.push(required('spec.selector'));
  else out.push(...templateForSelector(spec, 'spec', false).filter((c) => c.field === 'spec.template.metadata.labels'));
  out.push(...validatePodSpec(template.spec, 'spec.template.spec'));
  if (typeof spec.backoffLimit === 'number' && spec.backoffLimit < 0) out.push(invalid('spec.backoffLimit', spec.backoffLimit, 'must be greater than or equal to 0'));
  return out;
}

export function validateCronJob(o: Obj): StatusCause[] {
  const spec = objAt(o, 'spec') ?? {};
  const out: StatusCause[] = [];
  if (!str(spec, 'schedule')) out.push(required('spec.schedule'));
  const template = objAt(spec, 'jobTemplate', 'spec', 'template');
  const restart = str(template, 'spec', 'restartPolicy');
  if (template && restart !== 'OnFailure' && restart !== 'Never') {
    out.push(notSupported('spec.jobTemplate.spec.template.spec.restartPolicy', restart ?? '', ['OnFailure', 'Never']));
  }
  if (template) out.push(...validatePodSpec(template.spec, 'spec.jobTemplate.spec.template.spec'));
  return out;
}
