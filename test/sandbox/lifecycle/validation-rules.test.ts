// The rules ported from pkg/apis/*/validation, with their real field paths and messages.
import { describe, expect, it } from 'vitest';
import type { Obj, StatusCause } from '../../../sandbox/contracts.ts';
import { applyDefaults, invalidStatus, nodePortAllocation, validate } from '../../../sandbox/lifecycle/index.ts';
import { res } from './host.ts';

const messages = (causes: StatusCause[]): string[] => causes.map((c) => `${c.field}: ${c.message}`);

const pod = (container: Obj, extra: Obj = {}): Obj => {
  const p: Obj = { metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx:1', ...container }], ...extra } };
  applyDefaults(res('', 'Pod'), p);
  return p;
};
const podCauses = (container: Obj, extra?: Obj): string[] => messages(validate(res('', 'Pod'), pod(container, extra), undefined, undefined));

describe('containers', () => {
  it('names are DNS-1123 labels and unique', () => {
    expect(podCauses({ name: 'My_C' })).toEqual([`spec.containers[0].name: Invalid value: "My_C": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`]);
    const p = pod({}, { initContainers: [{ name: 'c', image: 'x' }] });
    expect(messages(validate(res('', 'Pod'), p, undefined, undefined))).toEqual(['spec.containers[0].name: Duplicate value: "c"']);
  });

  it('ports: numbers in range, IANA names, known protocols', () => {
    expect(podCauses({ ports: [{ containerPort: 70000, name: 'Web_1', protocol: 'HTTP' }] })).toEqual([
      'spec.containers[0].ports[0].name: Invalid value: "Web_1": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    ]);
    expect(podCauses({ ports: [{ containerPort: 80, name: 'a-very-long-port-name' }] })).toEqual(['spec.containers[0].ports[0].name: Invalid value: "a-very-long-port-name": must be no more than 15 characters']);
    expect(podCauses({ ports: [{ containerPort: 80, name: 'http' }, { containerPort: 81, name: 'http' }] })).toEqual(['spec.containers[0].ports[1].name: Duplicate value: "http"']);
  });

  it('imagePullPolicy and restartPolicy are enums', () => {
    expect(podCauses({ imagePullPolicy: 'Sometimes' })).toEqual(['spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"']);
    expect(podCauses({}, { restartPolicy: 'Maybe' })).toEqual(['spec.restartPolicy: Unsupported value: "Maybe": supported values: "Always", "OnFailure", "Never"']);
  });

  it('volume mounts name a volume of the pod; mount paths are unique', () => {
    expect(podCauses({ volumeMounts: [{ name: 'data', mountPath: '/d' }] })).toEqual(['spec.containers[0].volumeMounts[0].name: Not found: "data"']);
    expect(podCauses({ volumeMounts: [{ name: 'data', mountPath: '/d' }, { name: 'data', mountPath: '/d' }] }, { volumes: [{ name: 'data', emptyDir: {} }] }))
      .toEqual(['spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/d": must be unique']);
  });

  it('requests may not exceed limits', () => {
    expect(podCauses({ resources: { requests: { memory: '2Gi', cpu: '500m' }, limits: { memory: '1Gi', cpu: '1' } } }))
      .toEqual(['spec.containers[0].resources.requests[memory]: Invalid value: "2Gi": must be less than or equal to memory limit of 1Gi']);
  });

  it('probes have exactly one handler; liveness needs successThreshold 1', () => {
    expect(podCauses({ livenessProbe: { periodSeconds: 5 } })).toEqual(['spec.containers[0].livenessProbe: Required value: must specify a handler type']);
    expect(podCauses({ readinessProbe: { httpGet: { port: 80 }, tcpSocket: { port: 80 } } })).toEqual(['spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type']);
    expect(podCauses({ livenessProbe: { exec: { command: ['true'] }, successThreshold: 2 } })).toEqual(['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1']);
  });
});

describe('workloads', () => {
  it('a Recreate Deployment takes no rollingUpdate', () => {
    const d: Obj = {
      metadata: { name: 'web', namespace: 'default' },
      spec: { strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } }, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
    };
    applyDefaults(res('apps', 'Deployment'), d);
    const causes = validate(res('apps', 'Deployment'), d, undefined, undefined);
    expect(invalidStatus(res('apps', 'Deployment'), 'web', causes).message).toBe("Deployment.apps \"web\" is invalid: spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'");
  });
});

describe('ConfigMaps and Secrets', () => {
  it('keys are config keys', () => {
    expect(messages(validate(res('', 'ConfigMap'), { metadata: { name: 'c' }, data: { 'my key': 'x', '..a': 'y' } }, undefined, undefined))).toEqual([
      "data[my key]: Invalid value: \"my key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      "data[..a]: Invalid value: \"..a\": must not start with '..'",
    ]);
  });

  it('dockerconfigjson Secrets need well-formed JSON, without quoting the secret', () => {
    const secret = (content?: string): Obj => ({ metadata: { name: 's' }, type: 'kubernetes.io/dockerconfigjson', data: content === undefined ? {} : { '.dockerconfigjson': Buffer.from(content).toString('base64') } });
    expect(messages(validate(res('', 'Secret'), secret(), undefined, undefined))).toEqual(['data[.dockerconfigjson]: Required value']);
    const bad = messages(validate(res('', 'Secret'), secret('oops'), undefined, undefined));
    expect(bad).toEqual(["data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\": invalid character 'o' looking for beginning of value"]);
    expect(messages(validate(res('', 'Secret'), secret('{"auths":'), undefined, undefined))).toEqual(['data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": unexpected end of JSON input']);
    expect(validate(res('', 'Secret'), secret('{"auths":{}}'), undefined, undefined)).toEqual([]);
  });
});

describe('annotations', () => {
  it('keys are qualified names and all of them together stay within 256 KiB', () => {
    const big = { a: 'x'.repeat(256 * 1024) };
    expect(messages(validate(res('', 'ConfigMap'), { metadata: { name: 'c', annotations: big } }, undefined, undefined))).toEqual(['metadata.annotations: Too long: may not be more than 262144 bytes']);
    expect(messages(validate(res('', 'ConfigMap'), { metadata: { name: 'c', annotations: { 'Example.COM/Key': 'v' } } }, undefined, undefined))).toEqual([]);
    expect(messages(validate(res('', 'ConfigMap'), { metadata: { name: 'c', annotations: { 'a/b/c': 'v' } } }, undefined, undefined))[0]).toContain('metadata.annotations: Invalid value: "a/b/c": a qualified name must consist of');
  });
});

const ingressRes = { ...res('', 'ConfigMap'), group: 'networking.k8s.io', kind: 'Ingress', resource: 'ingresses' };
const bindingRes = { ...res('', 'ConfigMap'), group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', resource: 'rolebindings' };
const clusterBindingRes = { ...bindingRes, kind: 'ClusterRoleBinding', resource: 'clusterrolebindings', namespaced: false };

describe('Ingress', () => {
  it('hosts are DNS names (wildcards allowed), paths need a known pathType', () => {
    const ing: Obj = {
      metadata: { name: 'i' },
      spec: { rules: [{ host: '10.0.0.1', http: { paths: [{ path: 'api', pathType: 'Prefix', backend: { service: { name: 's', port: { number: 80 } } } }, { path: '/', pathType: 'Regex', backend: {} }, { path: '/x', backend: {} }] } }, { host: '*.Example.com' }] },
    };
    expect(messages(validate(ingressRes, ing, undefined, undefined))).toEqual([
      'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address',
      'spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path',
      'spec.rules[0].http.paths[1].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
      'spec.rules[0].http.paths[2].pathType: Required value: pathType must be specified',
      "spec.rules[1].host: Invalid value: \"*.Example.com\": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
  });
});

describe('RBAC bindings', () => {
  it('roleRef is required field by field, and a ClusterRoleBinding binds only ClusterRoles', () => {
    expect(messages(validate(bindingRes, { metadata: { name: 'b' } }, undefined, undefined))).toEqual([
      'roleRef.apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"',
      'roleRef.kind: Unsupported value: "": supported values: "Role", "ClusterRole"',
      'roleRef.name: Required value',
    ]);
    const crb = { metadata: { name: 'b' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }] };
    expect(messages(validate(clusterBindingRes, crb, undefined, undefined))).toEqual([
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      'subjects[0].namespace: Required value',
    ]);
  });

  it('roleRef cannot change', () => {
    const ref = (name: string): Obj => ({ metadata: { name: 'b' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name } });
    expect(messages(validate(bindingRes, ref('edit'), ref('view'), undefined))).toEqual(['roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef']);
  });
});

describe('Service node ports', () => {
  const svc = (name: string, ...nodePorts: number[]): Obj => ({ metadata: { name, uid: name }, spec: { type: 'NodePort', ports: nodePorts.map((nodePort, i) => ({ name: `p${i}`, port: 80 + i, nodePort, protocol: 'TCP' })) } });

  it('duplicates within a Service (same protocol)', () => {
    expect(messages(validate(res('', 'Service'), svc('a', 30080, 30080), undefined, undefined))).toEqual(['spec.ports[1].nodePort: Duplicate value: 30080']);
  });

  it('range and allocation across Services; ports a Service already holds stay its own', () => {
    expect(messages(nodePortAllocation(svc('a', 80), undefined, []))).toEqual(['spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767']);
    expect(messages(nodePortAllocation(svc('b', 30080), undefined, [svc('a', 30080)]))).toEqual(['spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated']);
    expect(nodePortAllocation(svc('a', 30080), svc('a', 30080), [svc('b', 30081)])).toEqual([]);
  });
});
