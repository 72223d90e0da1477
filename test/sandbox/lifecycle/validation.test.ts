import { describe, expect, it } from 'vitest';
import type { Obj, SchemaNode } from '../../../sandbox/contracts.ts';
import { ApiError } from '../../../sandbox/contracts.ts';
import { applyDefaults, invalidStatus, validate } from '../../../sandbox/lifecycle/index.ts';
import { createSchemaIndex } from '../../../sandbox/schema/index.ts';
import { res } from './host.ts';

const subdomainMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const deployment = (over: Obj = {}): Obj => {
  const d: Obj = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } },
    ...over,
  };
  applyDefaults(res('apps', 'Deployment'), d);
  return d;
};

describe('name rules per kind (apimachinery validation.go messages)', () => {
  it('most kinds use DNS-1123 subdomains', () => {
    const causes = validate(res('', 'ConfigMap'), { metadata: { name: 'Foo' } }, undefined, undefined);
    expect(causes).toEqual([{ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "Foo": ${subdomainMsg}` }]);
    expect(invalidStatus(res('', 'ConfigMap'), 'Foo', causes).message).toBe(`ConfigMap "Foo" is invalid: metadata.name: Invalid value: "Foo": ${subdomainMsg}`);
    expect(validate(res('', 'ConfigMap'), { metadata: { name: 'a.b-c' } }, undefined, undefined)).toEqual([]);
  });

  it('Services use DNS-1035 labels: a leading digit is refused', () => {
    const causes = validate(res('', 'Service'), { metadata: { name: '1web' }, spec: {} }, undefined, undefined);
    expect(causes[0]!.message).toBe(`Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`);
  });

  it('Namespaces use DNS-1123 labels: no dots, at most 63 characters', () => {
    const dotted = validate(res('', 'Namespace'), { metadata: { name: 'a.b' } }, undefined, undefined);
    expect(dotted[0]!.message).toContain("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc'");
    const long = validate(res('', 'Namespace'), { metadata: { name: 'a'.repeat(64) } }, undefined, undefined);
    expect(long[0]!.message).toBe(`Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`);
  });

  it('a missing name is Required unless generateName is given', () => {
    expect(validate(res('', 'ConfigMap'), { metadata: {} }, undefined, undefined)).toEqual([{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    expect(validate(res('', 'ConfigMap'), { metadata: { generateName: 'x-' } }, undefined, undefined)).toEqual([]);
  });

  it('CronJob names stop at 52 characters', () => {
    const name = 'c'.repeat(53);
    const causes = validate(res('batch', 'CronJob'), { metadata: { name }, spec: { schedule: '* * * * *' } }, undefined, undefined);
    expect(causes.map((c) => c.message)).toContain(`Invalid value: "${name}": must be no more than 52 characters`);
  });
});

describe('workload rules', () => {
  it('a Deployment without spec.selector: Required value, and the template no longer matches', () => {
    const d = deployment();
    delete (d.spec as Obj).selector;
    const causes = validate(res('apps', 'Deployment'), d, undefined, undefined);
    expect(causes).toEqual([
      { reason: 'FieldValueRequired', field: 'spec.selector', message: 'Required value' },
      { reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels', message: 'Invalid value: {"app":"web"}: `selector` does not match template `labels`' },
    ]);
    const err = invalidStatus(res('apps', 'Deployment'), 'web', causes.slice(0, 1));
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.message).toBe('Deployment.apps "web" is invalid: spec.selector: Required value');
    expect(err.details).toEqual({ name: 'web', group: 'apps', kind: 'Deployment', causes: causes.slice(0, 1) });
    expect(invalidStatus(res('apps', 'Deployment'), 'web', causes).message).toBe('Deployment.apps "web" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`]');
  });

  it('selector must match template labels', () => {
    const d = deployment();
    (d.spec as Obj).selector = { matchLabels: { app: 'other' } };
    expect(validate(res('apps', 'Deployment'), d, undefined, undefined)).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels', message: 'Invalid value: {"app":"web"}: `selector` does not match template `labels`' },
    ]);
  });

  it('a valid defaulted Deployment has no causes; restartPolicy must be Always; images are required', () => {
    expect(validate(res('apps', 'Deployment'), deployment(), undefined, undefined)).toEqual([]);
    const d = deployment();
    const podSpec = ((d.spec as Obj).template as Obj).spec as Obj;
    podSpec.restartPolicy = 'Never';
    delete (podSpec.containers as Obj[])[0]!.image;
    expect(validate(res('apps', 'Deployment'), d, undefined, undefined)).toEqual([
      { reason: 'FieldValueNotSupported', field: 'spec.template.spec.restartPolicy', message: 'Unsupported value: "Never": supported values: "Always"' },
      { reason: 'FieldValueRequired', field: 'spec.template.spec.containers[0].image', message: 'Required value' },
    ]);
  });

  it('Jobs need restartPolicy OnFailure or Never', () => {
    const j: Obj = { metadata: { name: 'j', uid: 'u' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } } };
    applyDefaults(res('batch', 'Job'), j);
    expect(validate(res('batch', 'Job'), j, undefined, undefined)).toEqual([
      { reason: 'FieldValueNotSupported', field: 'spec.template.spec.restartPolicy', message: 'Unsupported value: "Always": supported values: "OnFailure", "Never"' },
    ]);
  });

  it('required fields come from the schema, checked on the merged object', () => {
    const schema: SchemaNode = { type: 'object', properties: { spec: { type: 'object', required: ['ports'], properties: { ports: { type: 'array', items: { type: 'object', required: ['port'] } } } } } };
    const causes = validate(res('', 'Service'), { metadata: { name: 's' }, spec: { ports: [{ name: 'http' }] } }, undefined, schema);
    expect(causes).toEqual([{ reason: 'FieldValueRequired', field: 'spec.ports[0].port', message: 'Required value' }]);
  });

  it('with the real 1.34 schema a Deployment missing its selector is reported once', () => {
    const schema = createSchemaIndex().root({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(schema).toBeDefined();
    const d = deployment();
    delete (d.spec as Obj).selector;
    const causes = validate(res('apps', 'Deployment'), d, undefined, schema);
    expect(causes.filter((c) => c.field === 'spec.selector')).toEqual([{ reason: 'FieldValueRequired', field: 'spec.selector', message: 'Required value' }]);
    expect(validate(res('apps', 'Deployment'), deployment(), undefined, schema)).toEqual([]);
  });
});

describe('immutable fields on update', () => {
  it('Deployment selector: field is immutable', () => {
    const old = deployment();
    const next = deployment();
    (next.spec as Obj).selector = { matchLabels: { app: 'web', tier: 'x' } };
    ((next.spec as Obj).template as Obj).metadata = { labels: { app: 'web', tier: 'x' } };
    expect(validate(res('apps', 'Deployment'), next, old, undefined)).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec.selector', message: 'Invalid value: {"matchLabels":{"app":"web","tier":"x"}}: field is immutable' },
    ]);
    const scaled = deployment();
    (scaled.spec as Obj).replicas = 5;
    expect(validate(res('apps', 'Deployment'), scaled, old, undefined)).toEqual([]);
  });

  it('StatefulSet: only some spec fields may change', () => {
    const old: Obj = { metadata: { name: 'db' }, spec: { serviceName: 'db', selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } };
    const next = structuredClone(old);
    (next.spec as Obj).serviceName = 'other';
    const causes = validate(res('apps', 'StatefulSet'), next, old, undefined);
    expect(causes).toEqual([{ reason: 'FieldValueForbidden', field: 'spec', message: "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden" }]);
  });

  it('DaemonSet and ReplicaSet selectors', () => {
    for (const kind of ['DaemonSet', 'ReplicaSet']) {
      const old: Obj = { metadata: { name: 'x' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b', c: 'd' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } };
      const next = structuredClone(old);
      (next.spec as Obj).selector = { matchLabels: { c: 'd' } };
      expect(validate(res('apps', kind), next, old, undefined).map((c) => c.field)).toEqual(['spec.selector']);
    }
  });

  it('Service clusterIP may not change once set', () => {
    const old: Obj = { metadata: { name: 's', namespace: 'x' }, spec: { ports: [{ port: 80 }] } };
    applyDefaults(res('', 'Service'), old);
    const next: Obj = { metadata: { name: 's', namespace: 'x' }, spec: { clusterIP: '10.96.0.99', ports: [{ port: 80 }] } };
    applyDefaults(res('', 'Service'), next, old);
    expect(validate(res('', 'Service'), next, old, undefined)).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: 'Invalid value: ["10.96.0.99"]: may not change once set' },
    ]);
  });

  it('Job template and selector', () => {
    const old: Obj = { metadata: { name: 'j', uid: 'u' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x:1' }] } } } };
    applyDefaults(res('batch', 'Job'), old);
    const next = structuredClone(old);
    ((((next.spec as Obj).template as Obj).spec as Obj).containers as Obj[])[0]!.image = 'x:2';
    const causes = validate(res('batch', 'Job'), next, old, undefined);
    expect(causes.map((c) => [c.field, c.reason])).toEqual([['spec.template', 'FieldValueInvalid']]);
    expect(causes[0]!.message).toMatch(/^Invalid value: \{.*"image":"x:2".*\}: field is immutable$/);
    const sel = structuredClone(old);
    (sel.spec as Obj).selector = { matchLabels: { other: 'x' } };
    expect(validate(res('batch', 'Job'), sel, old, undefined).map((c) => c.field)).toContain('spec.selector');
  });

  it('PVC spec except resources.requests', () => {
    const old: Obj = { metadata: { name: 'p' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    applyDefaults(res('', 'PersistentVolumeClaim'), old);
    const bigger = structuredClone(old);
    ((bigger.spec as Obj).resources as Obj).requests = { storage: '2Gi' };
    expect(validate(res('', 'PersistentVolumeClaim'), bigger, old, undefined)).toEqual([]);
    const modes = structuredClone(old);
    (modes.spec as Obj).accessModes = ['ReadWriteMany'];
    expect(validate(res('', 'PersistentVolumeClaim'), modes, old, undefined)).toEqual([
      { reason: 'FieldValueForbidden', field: 'spec', message: 'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims' },
    ]);
  });

  it('immutable ConfigMaps and Secrets keep their data', () => {
    const old: Obj = { metadata: { name: 'c' }, immutable: true, data: { a: '1' } };
    const next: Obj = { metadata: { name: 'c' }, immutable: true, data: { a: '2' } };
    expect(validate(res('', 'ConfigMap'), next, old, undefined)).toEqual([
      { reason: 'FieldValueForbidden', field: 'data', message: 'Forbidden: field is immutable when `immutable` is set' },
    ]);
    const unset: Obj = { metadata: { name: 'c' }, data: { a: '1' } };
    expect(validate(res('', 'Secret'), unset, { ...old, type: 'Opaque' }, undefined).map((c) => c.field)).toEqual(['immutable']);
    expect(validate(res('', 'ConfigMap'), { ...next }, { ...old, immutable: false }, undefined)).toEqual([]);
  });

  it('Secret type is immutable', () => {
    const causes = validate(res('', 'Secret'), { metadata: { name: 's' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==', 'tls.key': 'eA==' } }, { metadata: { name: 's' }, type: 'Opaque' }, undefined);
    expect(causes).toEqual([{ reason: 'FieldValueInvalid', field: 'type', message: 'Invalid value: "kubernetes.io/tls": field is immutable' }]);
  });
});

describe('labels and Services', () => {
  it('label values and keys follow the real rules', () => {
    const causes = validate(res('', 'ConfigMap'), { metadata: { name: 'c', labels: { 'bad key': 'x', ok: 'a b' } } }, undefined, undefined);
    expect(causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "bad key": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')` },
      { reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')` },
    ]);
    expect(validate(res('', 'ConfigMap'), { metadata: { name: 'c', labels: { 'app.kubernetes.io/name': 'web', empty: '' } } }, undefined, undefined)).toEqual([]);
  });

  it('Services need ports (unless headless or ExternalName), names when several, ports in range', () => {
    expect(validate(res('', 'Service'), { metadata: { name: 's' }, spec: { type: 'ClusterIP' } }, undefined, undefined)).toEqual([{ reason: 'FieldValueRequired', field: 'spec.ports', message: 'Required value' }]);
    expect(validate(res('', 'Service'), { metadata: { name: 's' }, spec: { clusterIP: 'None' } }, undefined, undefined)).toEqual([]);
    const causes = validate(res('', 'Service'), { metadata: { name: 's' }, spec: { type: 'ClusterIP', ports: [{ name: 'a', port: 80 }, { port: 70000, nodePort: 30001 }] } }, undefined, undefined);
    expect(causes).toEqual([
      { reason: 'FieldValueRequired', field: 'spec.ports[1].name', message: 'Required value' },
      { reason: 'FieldValueInvalid', field: 'spec.ports[1].port', message: 'Invalid value: 70000: must be between 1 and 65535, inclusive' },
      { reason: 'FieldValueForbidden', field: 'spec.ports[1].nodePort', message: "Forbidden: may not be used when `type` is 'ClusterIP'" },
    ]);
  });

  it('switching a NodePort Service to ClusterIP drops the carried-over node ports', () => {
    const old: Obj = { metadata: { name: 'n', namespace: 'x' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } };
    applyDefaults(res('', 'Service'), old);
    const next = structuredClone(old);
    (next.spec as Obj).type = 'ClusterIP';
    applyDefaults(res('', 'Service'), next, old);
    expect(((next.spec as Obj).ports as Obj[])[0]!.nodePort).toBeUndefined();
    expect((next.spec as Obj).externalTrafficPolicy).toBeUndefined();
    expect(validate(res('', 'Service'), next, old, undefined)).toEqual([]);
  });
});
