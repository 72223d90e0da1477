// The Job controller with real Pods (pkg/controller/job/job_controller.go): it keeps up to
// spec.parallelism Pods running until enough succeed, counts failed Pods, and after more than
// spec.backoffLimit failures stops. Replacement Pods wait out an exponential back-off (10 s, 20 s, …
// on a real cluster, scaled to the sandbox's ready delay here). Terminal states get
// SuccessCriteriaMet then Complete, or FailureTarget then Failed, as the 1.31+ controller writes them.
import type { Obj, ResourceInfo, StoreEvent } from '../../contracts.ts';
import { ApiError } from '../../contracts.ts';
import { listAt, num, objAt, str } from '../util.ts';
import { createPod, deletePod, generatedName, ownedPods, podActive, podPhase, podReady } from './podutil.ts';
import { isDeleting, ownerRefs, type Runtime, uidOf } from './runtime.ts';

const source = { component: 'job-controller' };

function conditionsOf(o: Obj): Obj[] {
  return listAt(o, 'status', 'conditions');
}

function terminal(o: Obj): boolean {
  return conditionsOf(o).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

function pending(o: Obj): boolean {
  return conditionsOf(o).some((c) => (c.type === 'SuccessCriteriaMet' || c.type === 'FailureTarget') && c.status === 'True');
}

export class JobController {
  /** Job uid → failures seen and when the next Pod may start. */
  private readonly backoff = new Map<string, { failed: number; until: number }>();

  constructor(private readonly rt: Runtime) {}

  onEvent(e: StoreEvent): void {
    const ns = str(e.object, 'metadata', 'namespace') ?? '';
    if (e.resource.group === '' && e.resource.kind === 'Pod') {
      const info = this.rt.res('batch', 'Job');
      for (const ref of ownerRefs(e.object)) {
        if (info && ref.controller === true && ref.kind === 'Job' && typeof ref.name === 'string') this.queue(info, ns, ref.name);
      }
      return;
    }
    if (e.resource.group !== 'batch' || e.resource.kind !== 'Job') return;
    if (e.type === 'DELETED') {
      this.backoff.delete(uidOf(e.object));
      return;
    }
    this.queue(e.resource, ns, str(e.object, 'metadata', 'name') ?? '');
  }

  private queue(info: ResourceInfo, ns: string, name: string): void {
    this.rt.enqueue(`job/${ns}/${name}`, () => this.reconcile(info, ns, name));
  }

  private cond(type: string, reason: string, message: string): Obj {
    const now = this.rt.now();
    return { type, status: 'True', lastProbeTime: now, lastTransitionTime: now, reason, message };
  }

  private reconcile(info: ResourceInfo, ns: string, name: string): void {
    const job = this.rt.host.get(info, ns, name);
    if (!job || isDeleting(job) || terminal(job) || pending(job) || objAt(job, 'spec')?.suspend === true) return;
    const uid = uidOf(job);
    const pods = ownedPods(this.rt, ns, uid);
    const active = pods.filter(podActive);
    const old = (job.status as Obj | undefined) ?? {};
    const succeeded = Math.max(num(old, 'succeeded') ?? 0, pods.filter((p) => podPhase(p) === 'Succeeded').length);
    const failed = Math.max(num(old, 'failed') ?? 0, pods.filter((p) => podPhase(p) === 'Failed').length);
    const status: Obj = { ...old };
    if (status.startTime === undefined) status.startTime = this.rt.now();
    if (succeeded > 0) status.succeeded = succeeded;
    if (failed > 0) status.failed = failed;
    const parallelism = num(job, 'spec', 'parallelism') ?? 1;
    const completions = num(job, 'spec', 'completions');
    const limit = num(job, 'spec', 'backoffLimit') ?? 6;
    if (failed > limit) {
      for (const p of active) deletePod(this.rt, p);
      delete status.active;
      Object.assign(status, { ready: 0, terminating: 0, uncountedTerminatedPods: {} });
      const msg = 'Job has reached the specified backoff limit';
      status.conditions = [...conditionsOf(job), this.cond('FailureTarget', 'BackoffLimitExceeded', msg)];
      this.rt.events.record(info, job, 'Warning', 'BackoffLimitExceeded', msg, source);
      this.finish(info, job, status, () => this.cond('Failed', 'BackoffLimitExceeded', msg), false);
      return;
    }
    const complete = completions !== undefined ? succeeded >= completions : succeeded > 0 && active.length === 0;
    if (complete) {
      delete status.active;
      Object.assign(status, { ready: 0, terminating: 0, uncountedTerminatedPods: {} });
      const msg = 'Reached expected number of succeeded pods';
      status.conditions = [...conditionsOf(job), this.cond('SuccessCriteriaMet', 'CompletionsReached', msg)];
      this.rt.events.record(info, job, 'Normal', 'Completed', 'Job completed', source);
      this.finish(info, job, status, () => this.cond('Complete', 'CompletionsReached', msg), true);
      return;
    }
    const want = completions !== undefined ? Math.min(parallelism, completions - succeeded) : succeeded > 0 ? 0 : parallelism;
    let running = active.length;
    if (running < want) {
      const b = this.backoff.get(uid) ?? { failed: 0, until: 0 };
      if (failed > b.failed) {
        // Back-off before the replacement pod: 10 s, 20 s, 40 s … on a real cluster; scaled down here.
        b.until = this.rt.nowMs() + Math.min(this.rt.readyDelayMs / 2, (this.rt.readyDelayMs / 20) * 2 ** (failed - 1));
        b.failed = failed;
        this.backoff.set(uid, b);
      }
      const wait = b.until - this.rt.nowMs();
      if (wait > 0) {
        this.rt.laterOnce(`job-backoff/${uid}`, wait, () => this.queue(info, ns, name));
      } else {
        for (; running < want; running++) {
          const podName = generatedName(`${name}-`);
          try {
            createPod(this.rt, info, job, objAt(job, 'spec', 'template'), podName, {
              labels: { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name },
            });
          } catch (err) {
            // PodControl.CreatePods: a refused Pod (PodSecurity, validation) is an event, and the batch stops.
            if (!(err instanceof ApiError) || err.status === 409) throw err;
            this.rt.events.record(info, job, 'Warning', 'FailedCreate', `Error creating: ${err.message}`, source);
            break;
          }
          this.rt.events.record(info, job, 'Normal', 'SuccessfulCreate', `Created pod: ${podName}`, source);
        }
      }
    }
    if (running > 0) status.active = running;
    else delete status.active;
    Object.assign(status, { ready: active.filter(podReady).length, terminating: 0, uncountedTerminatedPods: {} });
    this.rt.writeStatus(info, job, status);
  }

  /** The interim condition is written first; the terminal one follows once pods are gone. */
  private finish(info: ResourceInfo, job: Obj, status: Obj, terminalCond: () => Obj, success: boolean): void {
    const ns = str(job, 'metadata', 'namespace') ?? '';
    const name = str(job, 'metadata', 'name') ?? '';
    const uid = uidOf(job);
    this.rt.writeStatus(info, job, status);
    this.rt.later(0, () => {
      this.backoff.delete(uid);
      const now = this.rt.host.get(info, ns, name);
      if (!now || uidOf(now) !== uid) return;
      const st = { ...((now.status as Obj | undefined) ?? {}) };
      st.conditions = [...conditionsOf(now), terminalCond()];
      if (success) st.completionTime = this.rt.now();
      this.rt.writeStatus(info, now, st);
    });
  }
}
