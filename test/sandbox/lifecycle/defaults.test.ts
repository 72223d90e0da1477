import { describe, expect, it } from 'vitest';
import type { Obj } from '../../../sandbox/contracts.ts';
import { applyDefaults, defaultsNeedOld, ServiceAllocator } from '../../../sandbox/lifecycle/index.ts';
import { serviceDefaults } from '../../../sandbox/lifecycle/defaults/service.ts';
import { res } from './host.ts';

const podTemplate = (image: string, extra: Obj = {}): Obj => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image, ...extra }] },
});

function defaulted(group: string, kind: string, o: Obj): Obj {
  const copy = structuredClone(o);
  applyDefaults(res(group, kind), copy);
  return copy;
}

describe('container resources are stored as canonical quantities (resource.Quantity String())', () => {
  it('0.5 cpu reads back as 500m, 1000m as 1, 1024Mi as 1Gi; canonical forms stay', () => {
    const d = defaulted('apps', 'Deployment', { metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: podTemplate('nginx:1.27', { resources: { requests: { cpu: 0.5, memory: '1024Mi' }, limits: { cpu: '1000m', memory: '64Mi' } } }) } });
    const c = ((((d.spec as Obj).template as Obj).spec as Obj).containers as Obj[])[0]!;
    expect(c.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '64Mi' } });
  });
});

describe('pod template defaults (core/v1 SetDefaults_PodSpec, SetDefaults_Container)', () => {
  const d = defaulted('apps', 'Deployment', {
    metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: podTemplate('nginx:1.27', {
        ports: [{ containerPort: 80 }],
        readinessProbe: { httpGet: { port: 80 } },
        livenessProbe: { grpc: { port: 9 } },
        env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      }),
    },
  });
  const spec = (d.spec as Obj).template as Obj;
  const podSpec = spec.spec as Obj;
  const c = (podSpec.containers as Obj[])[0]!;

  it('fills the pod spec fields a real cluster shows', () => {
    expect(podSpec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', securityContext: {}, terminationGracePeriodSeconds: 30 });
    expect(podSpec.enableServiceLinks).toBeUndefined();
  });

  it('fills container fields, port protocol and probe defaults', () => {
    expect(c).toMatchObject({ imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {} });
    expect(c.ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
    expect(c.readinessProbe).toEqual({ httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    expect((c.livenessProbe as Obj).grpc).toEqual({ port: 9, service: '' });
    expect(((c.env as Obj[])[0]!.valueFrom as Obj).fieldRef).toEqual({ fieldPath: 'metadata.name', apiVersion: 'v1' });
  });

  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['registry:5000/app', 'Always'],
    ['registry:5000/app:v1', 'IfNotPresent'],
    ['nginx@sha256:abc', 'IfNotPresent'],
  ])('imagePullPolicy for %s is %s', (image, policy) => {
    const o = defaulted('', 'Pod', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image }] } });
    expect((((o.spec as Obj).containers as Obj[])[0]!).imagePullPolicy).toBe(policy);
  });

  it('keeps a pull policy the user set', () => {
    const o = defaulted('', 'Pod', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x', imagePullPolicy: 'Never' }] } });
    expect((((o.spec as Obj).containers as Obj[])[0]!).imagePullPolicy).toBe('Never');
  });

  it('gives bare pods the admission defaults and volumes their modes', () => {
    const o = defaulted('', 'Pod', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x:1' }], volumes: [{ name: 'a' }, { name: 'b', secret: { secretName: 's' } }] } });
    const s = o.spec as Obj;
    expect(s).toMatchObject({ enableServiceLinks: true, serviceAccountName: 'default', priority: 0, preemptionPolicy: 'PreemptLowerPriority' });
    expect(s.volumes).toEqual([{ name: 'a', emptyDir: {} }, { name: 'b', secret: { secretName: 's', defaultMode: 420 } }]);
    expect(o.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
    expect(s.tolerations).toEqual([
      { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
      { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
    ]);
    const own = defaulted('', 'Pod', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x:1', resources: { limits: { cpu: '1', memory: '1Gi' } } }], tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }] } });
    expect(((own.spec as Obj).tolerations as Obj[]).map((t) => t.key)).toEqual(['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']);
    // SetDefaults_Pod copies limits into missing requests, which makes the pod Guaranteed.
    expect((((own.spec as Obj).containers as Obj[])[0]!.resources as Obj).requests).toEqual({ cpu: '1', memory: '1Gi' });
    expect((own.status as Obj).qosClass).toBe('Guaranteed');
  });
});

describe('workload defaults (apps/v1 and batch/v1 defaults.go)', () => {
  it('Deployment: replicas, strategy 25%/25%, history and deadline', () => {
    const d = defaulted('apps', 'Deployment', { metadata: { name: 'web' }, spec: { template: podTemplate('x:1') } });
    expect(d.spec).toMatchObject({ replicas: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 });
  });

  it('Deployment with Recreate gets no rollingUpdate', () => {
    const d = defaulted('apps', 'Deployment', { metadata: { name: 'web' }, spec: { strategy: { type: 'Recreate' }, template: podTemplate('x:1') } });
    expect(d.spec).toMatchObject({ strategy: { type: 'Recreate' } });
    expect(((d.spec as Obj).strategy as Obj).rollingUpdate).toBeUndefined();
  });

  it('StatefulSet: OrderedReady, partition 0, retention policy, history', () => {
    const s = defaulted('apps', 'StatefulSet', { metadata: { name: 'db' }, spec: { template: podTemplate('x:1'), volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }] } });
    expect(s.spec).toMatchObject({
      replicas: 1, podManagementPolicy: 'OrderedReady', revisionHistoryLimit: 10,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    });
    expect(((s.spec as Obj).volumeClaimTemplates as Obj[])[0]).toMatchObject({ spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
  });

  it('DaemonSet and ReplicaSet', () => {
    expect(defaulted('apps', 'DaemonSet', { spec: { template: podTemplate('x:1') } }).spec).toMatchObject({ revisionHistoryLimit: 10, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } });
    expect(defaulted('apps', 'ReplicaSet', { spec: { template: podTemplate('x:1') } }).spec).toMatchObject({ replicas: 1 });
  });

  it('Job: counts, modes, generated selector and labels', () => {
    const j = defaulted('batch', 'Job', { metadata: { name: 'pi', uid: 'u-1' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'perl:5' }] } } } });
    expect(j.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, podReplacementPolicy: 'TerminatingOrFailed', selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } } });
    const labels = { 'batch.kubernetes.io/controller-uid': 'u-1', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'u-1', 'job-name': 'pi' };
    expect((((j.spec as Obj).template as Obj).metadata as Obj).labels).toEqual(labels);
    expect((j.metadata as Obj).labels).toEqual(labels);
  });

  it('Job with manualSelector keeps its own selector and labels', () => {
    const j = defaulted('batch', 'Job', { metadata: { name: 'm', uid: 'u-2', labels: { a: 'b' } }, spec: { manualSelector: true, selector: { matchLabels: { a: 'b' } }, parallelism: 3, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [] } } } });
    expect(j.spec).toMatchObject({ selector: { matchLabels: { a: 'b' } }, parallelism: 3 });
    expect((j.spec as Obj).completions).toBeUndefined();
    expect((((j.spec as Obj).template as Obj).metadata as Obj).labels).toEqual({ a: 'b' });
  });

  it('CronJob: policy, suspend, history limits; job template pods defaulted but not Job fields', () => {
    const c = defaulted('batch', 'CronJob', { metadata: { name: 'c' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'x' }] } } } } } });
    expect(c.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    const jobSpec = ((c.spec as Obj).jobTemplate as Obj).spec as Obj;
    expect(jobSpec.backoffLimit).toBeUndefined();
    expect((jobSpec.template as Obj).spec).toMatchObject({ dnsPolicy: 'ClusterFirst' });
  });
});

describe('Service defaults and allocation', () => {
  it('ClusterIP: type, affinity, families, traffic policy, targetPort = port, an allocated IP', () => {
    const s = defaulted('', 'Service', { metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns' }] } });
    const spec = s.spec as Obj;
    expect(spec).toMatchObject({ type: 'ClusterIP', sessionAffinity: 'None', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster' });
    expect(spec.ports).toEqual([{ port: 80, protocol: 'TCP', targetPort: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns' }]);
    expect(spec.clusterIP).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    expect(spec.clusterIP).not.toBe('10.96.0.1');
    expect(spec.clusterIPs).toEqual([spec.clusterIP]);
    expect(s.status).toEqual({ loadBalancer: {} });
  });

  it('NodePort and LoadBalancer get node ports and external traffic policy', () => {
    const alloc = new ServiceAllocator();
    const np = { metadata: { name: 'a', namespace: 'x' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } } as Obj;
    serviceDefaults(np, alloc);
    const port = ((np.spec as Obj).ports as Obj[])[0]!;
    expect(port.nodePort).toBeGreaterThanOrEqual(30000);
    expect(port.nodePort).toBeLessThanOrEqual(32767);
    expect(np.spec).toMatchObject({ externalTrafficPolicy: 'Cluster' });
    const lb = { metadata: { name: 'b', namespace: 'x' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } } as Obj;
    serviceDefaults(lb, alloc);
    expect(lb.spec).toMatchObject({ allocateLoadBalancerNodePorts: true, externalTrafficPolicy: 'Cluster' });
    expect(((lb.spec as Obj).ports as Obj[])[0]!.nodePort).not.toBe(port.nodePort);
  });

  it('headless and ExternalName Services', () => {
    const h = defaulted('', 'Service', { metadata: { name: 'h', namespace: 'x' }, spec: { clusterIP: 'None', selector: { a: 'b' } } });
    expect(h.spec).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'], ipFamilyPolicy: 'SingleStack' });
    const e = defaulted('', 'Service', { metadata: { name: 'e', namespace: 'x' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
    expect((e.spec as Obj).clusterIP).toBeUndefined();
    expect((e.spec as Obj).internalTrafficPolicy).toBeUndefined();
  });

  it('an update that omits clusterIP and nodePort keeps the allocated ones (defaultsNeedOld)', () => {
    const old = defaulted('', 'Service', { metadata: { name: 'k', namespace: 'x' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } });
    const update: Obj = { metadata: { name: 'k', namespace: 'x' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } };
    defaultsNeedOld(res('', 'Service'), update, old);
    applyDefaults(res('', 'Service'), update);
    expect((update.spec as Obj).clusterIP).toBe((old.spec as Obj).clusterIP);
    expect(((update.spec as Obj).ports as Obj[])[0]!.nodePort).toBe((((old.spec as Obj).ports as Obj[])[0]!).nodePort);
    const viaOld: Obj = { metadata: { name: 'k', namespace: 'x' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } };
    applyDefaults(res('', 'Service'), viaOld, old);
    expect((viaOld.spec as Obj).clusterIPs).toEqual((old.spec as Obj).clusterIPs);
  });
});

describe('other kinds', () => {
  it('Namespace: name label, kubernetes finalizer, Active', () => {
    expect(defaulted('', 'Namespace', { metadata: { name: 'team', labels: { x: 'y' } } })).toEqual({
      metadata: { name: 'team', labels: { x: 'y', 'kubernetes.io/metadata.name': 'team' } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' },
    });
  });

  it('Secret: Opaque, stringData folded into data and never stored', () => {
    const s = defaulted('', 'Secret', { metadata: { name: 's' }, data: { a: 'eA==' }, stringData: { b: 'hello', a: 'y' } });
    expect(s).toEqual({ metadata: { name: 's' }, type: 'Opaque', data: { a: 'eQ==', b: 'aGVsbG8=' } });
  });

  it('PVC and PV', () => {
    expect(defaulted('', 'PersistentVolumeClaim', { spec: { resources: { requests: { storage: '1Gi' } } } })).toMatchObject({ spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
    expect(defaulted('', 'PersistentVolume', { spec: {} })).toMatchObject({ spec: { persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
  });

  it('StorageClass, RoleBinding subjects, NetworkPolicy, HPA, Ingress', () => {
    const info = (group: string, kind: string) => ({ ...res('', 'ConfigMap'), group, kind });
    const sc: Obj = { provisioner: 'x' };
    applyDefaults(info('storage.k8s.io', 'StorageClass'), sc);
    expect(sc).toMatchObject({ reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
    const rb: Obj = { subjects: [{ kind: 'User', name: 'u' }, { kind: 'ServiceAccount', name: 'd' }] };
    applyDefaults(info('rbac.authorization.k8s.io', 'RoleBinding'), rb);
    expect(rb.subjects).toEqual([{ kind: 'User', name: 'u', apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'ServiceAccount', name: 'd', apiGroup: '' }]);
    const np: Obj = { spec: { egress: [{ ports: [{ port: 53 }] }] } };
    applyDefaults(info('networking.k8s.io', 'NetworkPolicy'), np);
    expect(np.spec).toEqual({ egress: [{ ports: [{ port: 53, protocol: 'TCP' }] }], policyTypes: ['Ingress', 'Egress'] });
    const hpa: Obj = { spec: { maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } };
    applyDefaults(info('autoscaling', 'HorizontalPodAutoscaler'), hpa);
    expect(hpa.spec).toMatchObject({ minReplicas: 1, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] });
    expect(((hpa.spec as Obj).behavior as Obj).scaleDown).toMatchObject({ stabilizationWindowSeconds: 60, selectPolicy: 'Max' });
    const ing: Obj = { spec: {} };
    applyDefaults(info('networking.k8s.io', 'Ingress'), ing);
    expect(ing.status).toEqual({ loadBalancer: {} });
  });

  it('leaves kinds without code defaults alone', () => {
    const cm = { metadata: { name: 'c' }, data: { a: 'b' } };
    expect(defaulted('', 'ConfigMap', cm)).toEqual(cm);
  });
});
