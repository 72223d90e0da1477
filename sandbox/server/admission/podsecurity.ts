import type { Obj } from '../../contracts.ts';
import { isObj } from '../util.ts';

/**
 * The Pod Security Standards checks (staging/src/k8s.io/pod-security-admission/policy/check_*.go):
 * a level decides which checks run; every failing check gives a reason and a detail, in check-ID
 * order as the real evaluator reports them. Admission (which level, enforce/warn) is in podsecurity-admission.ts.
 */
export type Level = 'privileged' | 'baseline' | 'restricted';
interface Container { name: string; sc: Obj; ports: Obj[]; raw: Obj }
/**
 * A check as the registry holds it: `since` is its first MinimumVersion (older versions do not run
 * it), `windowsSince` the version from which Pods with `spec.os.name: windows` are exempt (the
 * 1.25 variants), `overrides` the baseline check it replaces at restricted, from `since` on.
 */
interface Check { id: string; level: Level; since?: number; windowsSince?: number; overrides?: string; run: (pod: PodView) => { reason: string; detail: string } | undefined }
interface PodView { spec: Obj; sc: Obj; containers: Container[]; annotations: Record<string, string>; minor: number }

const quoted = (names: string[]): string => names.map((n) => JSON.stringify(n)).join(', ');
const containersPhrase = (names: string[]): string => `${names.length === 1 ? 'container' : 'containers'} ${quoted(names)}`;
const obj = (v: unknown): Obj => (isObj(v) ? v : {});

function containersOf(spec: Obj): Container[] {
  const out: Container[] = [];
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    for (const c of list) if (isObj(c)) out.push({ name: String(c.name ?? ''), sc: obj(c.securityContext), ports: Array.isArray(c.ports) ? c.ports.filter(isObj) : [], raw: c });
  }
  return out;
}

const baselineCapabilities = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const restrictedVolumeTypes = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret', 'image']);

const checks: Check[] = [
  { id: 'allowPrivilegeEscalation', level: 'restricted', since: 8, windowsSince: 25, run: (p) => {
    const bad = p.containers.filter((c) => c.sc.allowPrivilegeEscalation !== false).map((c) => c.name);
    return bad.length ? { reason: 'allowPrivilegeEscalation != false', detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false` } : undefined;
  } },
  { id: 'appArmorProfile', level: 'baseline', run: (p) => {
    // check_appArmorProfile.go: fields of type Unconfined (anything but RuntimeDefault/Localhost) and the deprecated annotations.
    const okType = (t: unknown): boolean => t === 'RuntimeDefault' || t === 'Localhost';
    const okAnnotation = (v: string): boolean => v === '' || v === 'runtime/default' || v.startsWith('localhost/');
    const setters: string[] = [];
    const values = new Set<string>();
    const podProfile = p.sc.appArmorProfile;
    if (isObj(podProfile) && !okType(podProfile.type)) { setters.push('pod'); values.add(String(podProfile.type ?? '')); }
    const bad = p.containers.filter((c) => isObj(c.sc.appArmorProfile) && !okType(obj(c.sc.appArmorProfile).type));
    for (const c of bad) values.add(String(obj(c.sc.appArmorProfile).type ?? ''));
    if (bad.length) setters.push(containersPhrase(bad.map((c) => c.name)));
    const annotations = Object.entries(p.annotations).filter(([k, v]) => k.startsWith('container.apparmor.security.beta.kubernetes.io/') && !okAnnotation(v)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).sort();
    const list = [...[...values].sort(), ...annotations];
    if (annotations.length) setters.push(annotations.length === 1 ? 'annotation' : 'annotations');
    if (!setters.length) return undefined;
    return { reason: list.length === 1 ? 'forbidden AppArmor profile' : 'forbidden AppArmor profiles', detail: `${setters.join(' and ')} must not set AppArmor profile type to ${quoted(list)}` };
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
  { id: 'capabilities_restricted', level: 'restricted', since: 22, windowsSince: 25, overrides: 'capabilities_baseline', run: (p) => {
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
  { id: 'hostProbesAndHostLifecycle', level: 'baseline', since: 34, run: (p) => {
    const badContainers = new Set<string>();
    const hosts = new Set<string>();
    for (const c of p.containers) {
      const lifecycle = obj(c.raw.lifecycle);
      for (const handler of [c.raw.livenessProbe, c.raw.readinessProbe, c.raw.startupProbe, lifecycle.postStart, lifecycle.preStop]) {
        for (const kind of ['httpGet', 'tcpSocket']) {
          const host = obj(obj(handler)[kind]).host;
          if (typeof host === 'string' && host !== '') { badContainers.add(c.name); hosts.add(host); }
        }
      }
    }
    if (!badContainers.size) return undefined;
    const names = [...badContainers].sort();
    return { reason: 'probe or lifecycle host', detail: `${containersPhrase(names)} ${names.length === 1 ? 'uses' : 'use'} ${hosts.size === 1 ? 'probe or lifecycle host' : 'probe or lifecycle hosts'} ${quoted([...hosts].sort())}` };
  } },
  { id: 'privileged', level: 'baseline', run: (p) => {
    const bad = p.containers.filter((c) => c.sc.privileged === true).map((c) => c.name);
    return bad.length ? { reason: 'privileged', detail: `${containersPhrase(bad)} must not set securityContext.privileged=true` } : undefined;
  } },
  { id: 'procMount', level: 'baseline', run: (p) => {
    const bad = p.containers.filter((c) => c.sc.procMount !== undefined && c.sc.procMount !== null && c.sc.procMount !== 'Default');
    if (!bad.length) return undefined;
    const types = [...new Set(bad.map((c) => String(c.sc.procMount)))].sort();
    return { reason: 'procMount', detail: `${containersPhrase(bad.map((c) => c.name))} must not set securityContext.procMount to ${quoted(types)}` };
  } },
  { id: 'restrictedVolumes', level: 'restricted', overrides: 'hostPathVolumes', run: (p) => {
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
  { id: 'runAsUser', level: 'restricted', since: 23, run: (p) => {
    const details: string[] = [];
    if (p.sc.runAsUser === 0) details.push('pod must not set runAsUser=0');
    const bad = p.containers.filter((c) => c.sc.runAsUser === 0).map((c) => c.name);
    if (bad.length) details.push(`${containersPhrase(bad)} must not set runAsUser=0`);
    return details.length ? { reason: 'runAsUser=0', detail: details.join('; ') } : undefined;
  } },
  { id: 'seccompProfile_baseline', level: 'baseline', run: (p) => {
    if (p.minor < 19) {
      // seccompProfileBaselineV1Dot0: the alpha annotations; unconfined profiles are forbidden.
      const ok = (v: string): boolean => v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
      const keys = ['seccomp.security.alpha.kubernetes.io/pod', ...p.containers.map((c) => `container.seccomp.security.alpha.kubernetes.io/${c.name}`)];
      const bad = keys.filter((k) => p.annotations[k] !== undefined && !ok(p.annotations[k]!)).map((k) => `${k}=${JSON.stringify(p.annotations[k])}`).sort();
      return bad.length ? { reason: 'seccompProfile', detail: `forbidden ${bad.length === 1 ? 'annotation' : 'annotations'} ${bad.join(', ')}` } : undefined;
    }
    const ok = (t: unknown): boolean => t === 'RuntimeDefault' || t === 'Localhost';
    const setters: string[] = [];
    const values = new Set<string>();
    const podProfile = p.sc.seccompProfile;
    if (isObj(podProfile) && !ok(podProfile.type)) { setters.push('pod'); values.add(String(podProfile.type ?? '')); }
    const bad = p.containers.filter((c) => isObj(c.sc.seccompProfile) && !ok(obj(c.sc.seccompProfile).type));
    for (const c of bad) values.add(String(obj(c.sc.seccompProfile).type ?? ''));
    if (bad.length) setters.push(containersPhrase(bad.map((c) => c.name)));
    return setters.length ? { reason: 'seccompProfile', detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${quoted([...values].sort())}` } : undefined;
  } },
  { id: 'seccompProfile_restricted', level: 'restricted', since: 19, windowsSince: 25, overrides: 'seccompProfile_baseline', run: (p) => {
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
  { id: 'sysctls', level: 'baseline', run: (p) => {
    const names = (Array.isArray(p.sc.sysctls) ? p.sc.sysctls.filter(isObj) : []).map((x) => String(x.name ?? ''));
    const bad = names.filter((n) => !sysctlsAllowed(p.minor).has(n));
    return bad.length ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : undefined;
  } },
];

/** check_sysctls.go: the safe set grew in 1.27, 1.29 and 1.32. */
const sysctlSteps: Array<[number, string[]]> = [
  [0, ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start']],
  [27, ['net.ipv4.ip_local_reserved_ports']],
  [29, ['net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']],
  [32, ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem']],
];
const sysctlsAllowed = (minor: number): Set<string> => new Set(sysctlSteps.filter(([since]) => minor >= since).flatMap(([, names]) => names));

/** The minor version a `v1.X` or `latest` label means (latest: every check). */
export function minorOf(version: string): number {
  const m = /^v1\.(\d+)$/.exec(version);
  return m ? Number(m[1]) : Number.POSITIVE_INFINITY;
}

const rank: Record<Level, number> = { privileged: 0, baseline: 1, restricted: 2 };
/**
 * The failing checks for a Pod at a level and version (`latest` or `v1.X`), in check-ID order
 * (policy.AggregateCheckResults): checks newer than the version do not run, and at restricted a
 * restricted check replaces the baseline one it overrides only from its own first version.
 */
export function evaluatePodSecurity(level: Level, spec: Obj, version = 'latest', metadata: Obj = {}): { reason: string; detail: string }[] {
  const minor = minorOf(version);
  const annotations = (isObj(metadata.annotations) ? metadata.annotations : {}) as Record<string, string>;
  const pod: PodView = { spec, sc: obj(spec.securityContext), containers: containersOf(spec), annotations, minor };
  const windows = obj(spec.os).name === 'windows';
  const active = checks.filter((c) => rank[c.level] <= rank[level] && minor >= (c.since ?? 0));
  const overridden = new Set(level === 'restricted' ? active.map((c) => c.overrides).filter((id): id is string => id !== undefined) : []);
  const out: { reason: string; detail: string }[] = [];
  for (const check of active) {
    if (overridden.has(check.id) || (windows && check.windowsSince !== undefined && minor >= check.windowsSince)) continue;
    const result = check.run(pod);
    if (result) out.push(result);
  }
  return out;
}

/** The 403 reasons for a Pod spec at a level, as `reason (detail)` strings (ForbiddenDetail's parts). */
export function podSecurityViolations(level: Level, spec: Obj, version = 'latest', metadata: Obj = {}): string[] {
  return evaluatePodSecurity(level, spec, version, metadata).map((r) => `${r.reason} (${r.detail})`);
}
