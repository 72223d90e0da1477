import { describe, expect, it } from 'vitest';
import { decodeTyped, quantityError, quantityValue, typedPatchError } from '../../../sandbox/schema/index.ts';
import { base64Error } from '../../../sandbox/schema/base64.ts';
import { createSchemaIndex } from '../../../sandbox/schema/index.ts';

const index = createSchemaIndex();
const root = (group: string, kind: string) => index.root({ group, version: 'v1', kind })!;
const deployment = root('apps', 'Deployment');
const pod = root('', 'Pod');
const secret = root('', 'Secret');

describe('decodeTyped: encoding/json messages for values that do not fit the Go type', () => {
  it('names the innermost struct and the field path from the root, without list indices', () => {
    expect(decodeTyped({ spec: { replicas: 'two' } }, deployment).error).toBe('json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
    expect(decodeTyped({ metadata: { labels: { a: 1 } } }, deployment).error).toBe('json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string');
    expect(decodeTyped({ spec: { containers: [{ name: 'c', ports: [{ containerPort: 2.5 }] }] } }, pod).error)
      .toBe('json: cannot unmarshal number 2.5 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32');
    expect(decodeTyped({ spec: { template: 'x' } }, deployment).error).toBe('json: cannot unmarshal string into Go struct field DeploymentSpec.spec.template of type v1.PodTemplateSpec');
    expect(decodeTyped({ spec: { containers: {} } }, pod).error).toBe('json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container');
    expect(decodeTyped({ spec: { hostNetwork: 'yes' } }, pod).error).toBe('json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of type bool');
  });

  it('int32 overflow is a type error; a valid body decodes', () => {
    expect(decodeTyped({ spec: { replicas: 3_000_000_000 } }, deployment).error).toBe('json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32');
    expect(decodeTyped({ spec: { replicas: 2, template: { spec: { containers: [{ name: 'c', image: 'x' }] } } } }, deployment)).toEqual({ error: undefined, unknown: [] });
  });

  it('quantities fail with ParseQuantity errors, IntOrString with the int32 decoder', () => {
    const withLimit = (memory: unknown) => ({ spec: { containers: [{ name: 'c', resources: { limits: { memory } } }] } });
    expect(decodeTyped(withLimit('12 GB'), pod).error).toBe("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    expect(decodeTyped(withLimit('1Gii'), pod).error).toBe("unable to parse quantity's suffix");
    expect(decodeTyped(withLimit(512), pod).error).toBeUndefined();
    const probe = (port: unknown) => ({ spec: { containers: [{ name: 'c', livenessProbe: { httpGet: { port } } }] } });
    expect(decodeTyped(probe('http'), pod).error).toBeUndefined();
    expect(decodeTyped(probe(true), pod).error).toBe('json: cannot unmarshal bool into Go value of type int32');
  });

  it('[]byte fields take standard base64 and report the first bad byte', () => {
    expect(decodeTyped({ data: { a: 'not base64!' } }, secret).error).toBe('illegal base64 data at input byte 3');
    expect(decodeTyped({ data: { a: 'aGVsbG8=' } }, secret).error).toBeUndefined();
    expect(decodeTyped({ data: { a: 42 } }, secret).error).toBe('json: cannot unmarshal number into Go struct field Secret.data of type []uint8');
  });

  it('collects unknown fields with list indices for strict decoding', () => {
    expect(decodeTyped({ spec: { x: 1, template: { spec: { containers: [{ name: 'c', imagePullPolcy: 'Always' }] } } }, bogus: true }, deployment).unknown)
      .toEqual(['.spec.x', '.spec.template.spec.containers[0].imagePullPolcy', '.bogus']);
  });
});

describe("Go's base64 and ParseQuantity", () => {
  it('base64 positions match encoding/base64 decodeQuantum', () => {
    expect(base64Error('YQ==')).toBeUndefined();
    expect(base64Error('YQ=\n=')).toBeUndefined();
    expect(base64Error('YQ')).toBe('illegal base64 data at input byte 0');
    expect(base64Error('Y===')).toBe('illegal base64 data at input byte 1');
    expect(base64Error('YQ==YQ==')).toBe('illegal base64 data at input byte 4');
    expect(base64Error('YWJj*')).toBe('illegal base64 data at input byte 4');
    expect(base64Error('YQ=')).toBe('illegal base64 data at input byte 3');
  });

  it('quantities', () => {
    expect(quantityError('500m')).toBeUndefined();
    expect(quantityError('1e3')).toBeUndefined();
    expect(quantityError('1.2.3')).toBe('unable to parse numeric part of quantity');
    expect(quantityValue('1Gi')).toBe(2 ** 30);
    expect(quantityValue('1500m')).toBe(1.5);
    expect(quantityValue('2G')).toBe(2e9);
  });
});

describe('typedPatchError: structured-merge-diff validation of an applied configuration', () => {
  it('reports the first undeclared field of each object and scalar type mismatches', () => {
    expect(typedPatchError({ spec: { x: 1 } }, deployment)).toBe('.spec.x: field not declared in schema');
    expect(typedPatchError({ spec: { replicas: 'two' } }, deployment)).toBe('.spec.replicas: expected numeric (int or float), got string');
    expect(typedPatchError({ spec: { template: { spec: { containers: [{ name: 'c', image: 5 }] } } } }, deployment))
      .toBe('.spec.template.spec.containers[name="c"].image: expected string, got &value.valueUnstructured{Value:5}');
    expect(typedPatchError({ spec: { x: 1, paused: 'no' } }, deployment)).toBe('.spec.x: field not declared in schema');
    expect(typedPatchError({ spec: { paused: 'no' }, status: { y: 1 } }, deployment)).toBe('errors:\n  .spec.paused: expected boolean, got &{no}\n  .status.y: field not declared in schema');
    expect(typedPatchError({ spec: { replicas: 2 } }, deployment)).toBeUndefined();
  });
});
