import type { Obj } from '../../contracts.ts';
import { isObj } from '../util.ts';

/**
 * The Pod Security Standards checks (staging/src/k8s.io/pod-security-admission/policy/check_*.go):
 * a level decides which checks run; every failing check gives a reason and a detail, in check-ID
 * order as the real evaluator reports them. Admission (which level, enforce/warn) is in podsecurity-admission.ts.
 */
export type Level = 'privileged' | 'baseline' | 'restricted';
interface Container { name: string; sc: Obj; ports: Obj[] }
interface Check { id: string; level: Level; run: (pod: PodView) => { reason: string; detail: string } | undefined }
interface PodView { spec: Obj; sc: Obj; containers: Container[] }

const quoted = (names: string[]): string => names.map((n) => JSON.stringify(n)).join(', ');
const containersPhrase = (names: string[]): string => `${names.length === 1 ? 'container' : 'containers'} ${quoted(names)}`;
const obj = (v: unknown): Obj => (isObj(v) ? v : {});

function containersOf(spec: Obj): Container[] {
  const out: Container[] = [];
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    for (const c of list) if (isObj(c)) out.push({ name: String(c.name ?? ''), sc: obj(c.securityContext), ports: Array.isArray(c.ports) ? c.ports.filter(isObj) : [] });
  }
  return out;
}

const baselineCapabilities = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const restrictedVolumeTypes = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret', 'image']);

const checks: Check[] = [
  { id: 'allowPrivilegeEscalation', level: 'restricted', run: (p) => {
    const bad = p.containers.filter((c) => c.sc.allowPrivilegeEscalation !== false).map((c) => c.name);
    return bad.length ? { reason: 'allowPrivilegeEscalation != false', detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false` } : undefined;
  } },
  { id: 'capabilities_baseline', level: 'baseline', run: (p) => {
    const details: string[] = [];
    for (const c of p.containers) {
      const add = Array.isArray(obj(c.sc.capabilities).add) ? (obj(c.sc.capabilities).add as unknown[]).map(String) : [];
      const extra = add.filter((a) => !baselineCapabilities.has(a));
      if (extra.length) details.push(`container ${JSON.stringify(c.name)} must not include ${quoted(extra)} in securityContext.capabilities.add`);
    }
    return details.length ? { reason: 'non-default capabilities', detail: details.join('; ') } : undefined;
  } },
  { id: 'capabilities_restricted', level: 'restricted', run: (p) => {
    const noDrop: string[] = [];
    const details: string[] = [];
    for (const c of p.containers) {
      const caps = obj(c.sc.capabilities);
      const drop = Array.isArray(caps.drop) ? caps.drop.map(String) : [];
      if (!drop.includes('ALL')) noDrop.push(c.name);
      const add = Array.isArray(caps.add) ? caps.add.map(String).filter((a) => a !== 'NET_BIND_SERVICE') : [];
      if (add.length) details.push(`container ${JSON.stringify(c.name)} must not include ${quoted(add)} in securityContext.capabilities.add`);
    }
    if (noDrop.length) details.unshift(`${containersPhrase(noDrop)} must set securityContext.capabilities.drop=["ALL"]`);
    return details.length ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : undefined;
  } },
  { id: 'hostNamespaces', level: 'baseline', run: (p) => {
    const set = ['hostNetwork', 'hostPID', 'hostIPC'].filter((k) => p.spec[k] === true).map((k) => `${k}=true`);
    return set.length ? { reason: 'host namespaces', detail: set.join(', ') } : undefined;
  } },
  { id: 'hostPathVolumes', level: 'baseline', run: (p) => {
    const names = (Array.isArray(p.spec.volumes) ? p.spec.volumes.filter(isObj) : []).filter((v) => v.hostPath !== undefined).map((v) => String(v.name));
    return names.length ? { reason: 'hostPath volumes', detail: `${names.length === 1 ? 'volume' : 'volumes'} ${quoted(names)}` } : undefined;
  } },
  { id: 'hostPorts', level: 'baseline', run: (p) => {
    const bad = p.containers.filter((c) => c.ports.some((port) => typeof port.hostPort === 'number' && port.hostPort !== 0));
    if (!bad.length) return undefined;
    const ports = bad.flatMap((c) => c.ports.map((port) => port.hostPort).filter((h): h is number => typeof h === 'number' && h !== 0));
    return { reason: 'hostPort', detail: `${containersPhrase(bad.map((c) => c.name))} ${bad.length === 1 ? 'uses' : 'use'} ${ports.length === 1 ? 'hostPort' : 'hostPorts'} ${ports.join(', ')}` };
  } },
  { id: 'privileged', level: 'baseline', run: (p) => {
    const bad = p.containers.filter((c) => c.sc.privileged === true).map((c) => c.name);
    return bad.length ? { reason: 'privileged', detail: `${containersPhrase(bad)} must not set securityContext.privileged=true` } : undefined;
  } },
  { id: 'restrictedVolumes', level: 'restricted', run: (p) => {
    const details: string[] = [];
    for (const v of Array.isArray(p.spec.volumes) ? p.spec.volumes.filter(isObj) : []) {
      const type = Object.keys(v).find((k) => k !== 'name');
      if (type && !restrictedVolumeTypes.has(type)) details.push(`volume ${JSON.stringify(String(v.name))} uses restricted volume type ${JSON.stringify(type)}`);
    }
    return details.length ? { reason: 'restricted volume types', detail: details.join(', ') } : undefined;
  } },
  { id: 'runAsNonRoot', level: 'restricted', run: (p) => {
    const podSet = p.sc.runAsNonRoot;
    const details: string[] = [];
    if (podSet === false) details.push('pod must not set securityContext.runAsNonRoot=false');
    const explicitFalse = p.containers.filter((c) => c.sc.runAsNonRoot === false).map((c) => c.name);
    if (explicitFalse.length) details.push(`${containersPhrase(explicitFalse)} must not set securityContext.runAsNonRoot=false`);
    if (podSet !== true) {
      const unset = p.containers.filter((c) => c.sc.runAsNonRoot === undefined || c.sc.runAsNonRoot === null).map((c) => c.name);
      if (unset.length && podSet !== false) details.push(`pod or ${containersPhrase(unset)} must set securityContext.runAsNonRoot=true`);
    }
    return details.length ? { reason: 'runAsNonRoot != true', detail: details.join('; ') } : undefined;
  } },
  { id: 'runAsUser', level: 'restricted', run: (p) => {
    const details: string[] = [];
    if (p.sc.runAsUser === 0) details.push('pod must not set runAsUser=0');
    const bad = p.containers.filter((c) => c.sc.runAsUser === 0).map((c) => c.name);
    if (bad.length) details.push(`${containersPhrase(bad)} must not set runAsUser=0`);
    return details.length ? { reason: 'runAsUser=0', detail: details.join('; ') } : undefined;
  } },
  { id: 'seccompProfile_restricted', level: 'restricted', run: (p) => {
    const ok = (t: unknown): boolean => t === 'RuntimeDefault' || t === 'Localhost';
    const podType = obj(p.sc.seccompProfile).type;
    const details: string[] = [];
    if (podType !== undefined && !ok(podType)) details.push(`pod must not set securityContext.seccompProfile.type to ${JSON.stringify(String(podType))}`);
    const badType = p.containers.filter((c) => obj(c.sc.seccompProfile).type !== undefined && !ok(obj(c.sc.seccompProfile).type));
    for (const c of badType) details.push(`container ${JSON.stringify(c.name)} must not set securityContext.seccompProfile.type to ${JSON.stringify(String(obj(c.sc.seccompProfile).type))}`);
    if (podType === undefined) {
      const unset = p.containers.filter((c) => obj(c.sc.seccompProfile).type === undefined).map((c) => c.name);
      if (unset.length) details.push(`pod or ${containersPhrase(unset)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
    }
    return details.length ? { reason: 'seccompProfile', detail: details.join('; ') } : undefined;
  } },
];

const rank: Record<Level, number> = { privileged: 0, baseline: 1, restricted: 2 };
/** Restricted checks replace these baseline ones (their OverrideCheckIDs). */
const overriddenByRestricted = new Set(['capabilities_baseline', 'hostPathVolumes']);

/** The failing checks for a Pod spec at a level, in check-ID order (policy.AggregateCheckResults). */
export function evaluatePodSecurity(level: Level, spec: Obj): { reason: string; detail: string }[] {
  const pod: PodView = { spec, sc: obj(spec.securityContext), containers: containersOf(spec) };
  const out: { reason: string; detail: string }[] = [];
  for (const check of checks) {
    if (rank[check.level] > rank[level] || (level === 'restricted' && overriddenByRestricted.has(check.id))) continue;
    const result = check.run(pod);
    if (result) out.push(result);
  }
  return out;
}

/** The 403 reasons for a Pod spec at a level, as `reason (detail)` strings (ForbiddenDetail's parts). */
export function podSecurityViolations(level: Level, spec: Obj): string[] {
  return evaluatePodSecurity(level, spec).map((r) => `${r.reason} (${r.detail})`);
}
