// The Job controller with pretend pods (pkg/controller/job/job_controller.go): pods succeed a
// delay after start, unless an image tag ends in "fail"; then each attempt fails, retried with a
// short exponential back-off, until more than spec.backoffLimit pods failed. Terminal states get
// SuccessCriteriaMet then Complete, or FailureTarget then Failed, as the 1.31+ controller writes them.
import type { Obj, ResourceInfo, StoreEvent } from '../../contracts.ts';
import { listAt, num, objAt, str } from '../util.ts';
import { isDeleting, type Runtime, uidOf } from './runtime.ts';

function failing(template: unknown): boolean {
  for (const list of ['initContainers', 'containers']) {
    for (const c of listAt(template, 'spec', list)) {
      const image = (str(c, 'image') ?? '').split('@')[0] ?? '';
      const last = image.slice(image.lastIndexOf('/') + 1);
      const i = last.indexOf(':');
      if (i >= 0 && last.slice(i + 1).endsWith('fail')) return true;
    }
  }
  return false;
}

function conditionsOf(o: Obj): Obj[] {
  return listAt(o, 'status', 'conditions');
}

function terminal(o: Obj): boolean {
  return conditionsOf(o).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

export class JobController {
  /** Jobs with an attempt under way (the timer that ends it is pending). */
  private readonly running = new Set<string>();

  constructor(private readonly rt: Runtime) {}

  onEvent(e: StoreEvent): void {
    if (e.resource.group !== 'batch' || e.resource.kind !== 'Job') return;
    if (e.type === 'DELETED') {
      this.running.delete(uidOf(e.object));
      return;
    }
    const ns = str(e.object, 'metadata', 'namespace') ?? '';
    const name = str(e.object, 'metadata', 'name') ?? '';
    this.rt.enqueue(`job/${ns}/${name}`, () => this.reconcile(e.resource, ns, name));
  }

  private cond(type: string, reason: string, message: string): Obj {
    const now = this.rt.now();
    return { type, status: 'True', lastProbeTime: now, lastTransitionTime: now, reason, message };
  }

  private reconcile(info: ResourceInfo, ns: string, name: string): void {
    const job = this.rt.host.get(info, ns, name);
    if (!job || isDeleting(job) || terminal(job) || objAt(job, 'spec')?.suspend === true) return;
    const uid = uidOf(job);
    if (this.running.has(uid)) return;
    this.running.add(uid);
    const status = { ...((job.status as Obj | undefined) ?? {}) };
    const parallelism = num(job, 'spec', 'parallelism') ?? 1;
    if (status.startTime === undefined) status.startTime = this.rt.now();
    Object.assign(status, { active: parallelism, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
    this.rt.writeStatus(info, job, status);
    const fails = failing(objAt(job, 'spec', 'template'));
    // A failing container crashes quickly; a succeeding one runs the full delay.
    this.rt.later(fails ? this.rt.readyDelayMs / 4 : this.rt.readyDelayMs, () => this.attemptEnded(info, ns, name, uid, fails));
  }

  private attemptEnded(info: ResourceInfo, ns: string, name: string, uid: string, fails: boolean): void {
    const job = this.rt.host.get(info, ns, name);
    if (!job || uidOf(job) !== uid || isDeleting(job)) {
      this.running.delete(uid);
      return;
    }
    const status = { ...((job.status as Obj | undefined) ?? {}) };
    delete status.active;
    if (!fails) {
      const completions = num(job, 'spec', 'completions') ?? num(job, 'spec', 'parallelism') ?? 1;
      status.succeeded = completions;
      const msg = 'Reached expected number of succeeded pods';
      status.conditions = [...conditionsOf(job), this.cond('SuccessCriteriaMet', 'CompletionsReached', msg)];
      this.finish(info, job, status, () => this.cond('Complete', 'CompletionsReached', msg), true);
      return;
    }
    const failed = (num(status, 'failed') ?? 0) + 1;
    status.failed = failed;
    const limit = num(job, 'spec', 'backoffLimit') ?? 6;
    if (failed > limit) {
      const msg = 'Job has reached the specified backoff limit';
      status.conditions = [...conditionsOf(job), this.cond('FailureTarget', 'BackoffLimitExceeded', msg)];
      this.finish(info, job, status, () => this.cond('Failed', 'BackoffLimitExceeded', msg), false);
      return;
    }
    // Back-off before the replacement pod: 10 s, 20 s, 40 s … on a real cluster; scaled down here.
    status.active = num(job, 'spec', 'parallelism') ?? 1;
    this.rt.writeStatus(info, job, status);
    const backoff = Math.min(this.rt.readyDelayMs / 2, (this.rt.readyDelayMs / 20) * 2 ** (failed - 1));
    this.rt.later(backoff + this.rt.readyDelayMs / 4, () => this.attemptEnded(info, ns, name, uid, true));
  }

  /** The interim condition is written first; the terminal one follows once pods are gone. */
  private finish(info: ResourceInfo, job: Obj, status: Obj, terminalCond: () => Obj, success: boolean): void {
    const ns = str(job, 'metadata', 'namespace') ?? '';
    const name = str(job, 'metadata', 'name') ?? '';
    const uid = uidOf(job);
    this.rt.writeStatus(info, job, status);
    this.rt.later(0, () => {
      this.running.delete(uid);
      const now = this.rt.host.get(info, ns, name);
      if (!now || uidOf(now) !== uid) return;
      const st = { ...((now.status as Obj | undefined) ?? {}) };
      st.conditions = [...conditionsOf(now), terminalCond()];
      if (success) st.completionTime = this.rt.now();
      this.rt.writeStatus(info, now, st);
    });
  }
}
