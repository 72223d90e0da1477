import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { call } from './helpers.ts';

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const WIDGETS = '/apis/example.com/v1/namespaces/default/widgets';

const crd = (spec: Record<string, unknown>, name = 'widgets.example.com', plural = 'widgets', kind = 'Widget'): Record<string, unknown> => ({
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name },
  spec: { group: 'example.com', scope: 'Namespaced', names: { plural, singular: plural.slice(0, -1), kind }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec } } } }] },
});

const widgetSpec = {
  type: 'object',
  'x-kubernetes-validations': [
    { rule: 'self.minReplicas <= self.maxReplicas', message: 'minReplicas must be less than or equal to maxReplicas' },
    { rule: 'self.image == oldSelf.image', message: 'image is immutable', fieldPath: '.image' },
  ],
  properties: {
    minReplicas: { type: 'integer' },
    maxReplicas: { type: 'integer' },
    image: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.find("[a-z]+:[0-9.]+") == self', messageExpression: '"image " + self + " needs a numeric tag"' }] },
    memory: { type: 'string', 'x-kubernetes-validations': [{ rule: 'isQuantity(self) && quantity(self).isLessThan(quantity("1Gi"))', message: 'at most 1Gi', reason: 'FieldValueForbidden' }] },
    ports: { type: 'array', items: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self > 1024' }] } },
    labels: { type: 'object', additionalProperties: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.lowerAscii() == self', message: 'lower case only' }] } },
    url: { type: 'string', 'x-kubernetes-validations': [{ rule: 'url(self).getScheme() == "https"' }] },
    level: { type: 'integer', 'x-kubernetes-validations': [{ rule: '!oldSelf.hasValue() || self >= oldSelf.value()', message: 'level may only grow', optionalOldSelf: true }] },
  },
};

const widget = (name: string, spec: Record<string, unknown>, resourceVersion?: string): Record<string, unknown> => ({
  apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name, ...(resourceVersion ? { resourceVersion } : {}) }, spec,
});

describe('CRD x-kubernetes-validations', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({});
    const res = await call(sb, 'POST', CRDS, { body: crd(widgetSpec) });
    expect(res.status, res.text).toBe(201);
    for (let i = 0; i < 50 && (await call(sb, 'GET', WIDGETS)).status !== 200; i++) await new Promise((r) => setTimeout(r, 20));
  });
  afterAll(async () => { await sb?.stop(); });

  it('accepts an object every rule allows', async () => {
    const res = await call(sb, 'POST', WIDGETS, { body: widget('ok', { minReplicas: 1, maxReplicas: 3, image: 'nginx:1.27', memory: '512Mi', ports: [8080], labels: { a: 'b' }, url: 'https://x.example' }) });
    expect(res.status, res.text).toBe(201);
  });

  it('reports each failing rule at its level in one 422, with the 1.34 wording', async () => {
    const res = await call(sb, 'POST', WIDGETS, { body: widget('bad', { minReplicas: 5, maxReplicas: 3, image: 'nginx:latest', memory: '2Gi', ports: [80, 8080], labels: { A: 'B' }, url: 'http://x' }) });
    expect(res.status).toBe(422);
    expect(res.json.reason).toBe('Invalid');
    expect(res.json.details.causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: "object": minReplicas must be less than or equal to maxReplicas' },
      { reason: 'FieldValueInvalid', field: 'spec.image', message: 'Invalid value: "string": image nginx:latest needs a numeric tag' },
      { reason: 'FieldValueForbidden', field: 'spec.memory', message: 'Forbidden: at most 1Gi' },
      { reason: 'FieldValueInvalid', field: 'spec.ports[0]', message: 'Invalid value: "integer": failed rule: self > 1024' },
      { reason: 'FieldValueInvalid', field: 'spec.labels[A]', message: 'Invalid value: "string": lower case only' },
      { reason: 'FieldValueInvalid', field: 'spec.url', message: 'Invalid value: "string": failed rule: url(self).getScheme() == "https"' },
    ]);
    expect(res.json.message).toBe('Widget.example.com "bad" is invalid: [spec: Invalid value: "object": minReplicas must be less than or equal to maxReplicas, spec.image: Invalid value: "string": image nginx:latest needs a numeric tag, spec.memory: Forbidden: at most 1Gi, spec.ports[0]: Invalid value: "integer": failed rule: self > 1024, spec.labels[A]: Invalid value: "string": lower case only, spec.url: Invalid value: "string": failed rule: url(self).getScheme() == "https"]');
  });

  it('runs transition rules only on updates, with oldSelf, and reports at fieldPath', async () => {
    const created = await call(sb, 'POST', WIDGETS, { body: widget('t', { minReplicas: 1, maxReplicas: 1, image: 'nginx:1.27' }) });
    expect(created.status).toBe(201);
    const res = await call(sb, 'PATCH', `${WIDGETS}/t`, { body: { spec: { image: 'nginx:1.28' } }, contentType: 'application/merge-patch+json' });
    expect(res.status).toBe(422);
    expect(res.json.message).toBe('Widget.example.com "t" is invalid: spec.image: Invalid value: "object": image is immutable');
    const grow = await call(sb, 'PATCH', `${WIDGETS}/t`, { body: { spec: { level: 2 } }, contentType: 'application/merge-patch+json' });
    expect(grow.status, grow.text).toBe(200);
    const shrink = await call(sb, 'PATCH', `${WIDGETS}/t`, { body: { spec: { level: 1 } }, contentType: 'application/merge-patch+json' });
    expect(shrink.json.message).toBe('Widget.example.com "t" is invalid: spec.level: Invalid value: "integer": level may only grow');
    const same = await call(sb, 'PATCH', `${WIDGETS}/t`, { body: { spec: { maxReplicas: 2 } }, contentType: 'application/merge-patch+json' });
    expect(same.status, same.text).toBe(200);
  });

  it('skips rules when the schema found a type error, as hasBlockingErr does', async () => {
    const res = await call(sb, 'POST', WIDGETS, { body: widget('typed', { minReplicas: 'x', maxReplicas: 1 }) });
    expect(res.status).toBe(422);
    expect(res.json.message).toContain('spec.minReplicas: Invalid value: "string": spec.minReplicas in body must be of type integer: "string"');
    expect(res.json.message).toContain('<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation');
  });

  it('reports a runtime error of a rule as the real evaluation error', async () => {
    const res = await call(sb, 'POST', WIDGETS, { body: widget('err', { maxReplicas: 1 }) });
    expect(res.status).toBe(422);
    expect(res.json.message).toBe('Widget.example.com "err" is invalid: spec: Invalid value: "object": no such key: minReplicas evaluating rule: minReplicas must be less than or equal to maxReplicas');
  });

  it('refuses a CRD whose rule does not compile with the real 422, not at write time', async () => {
    const res = await call(sb, 'POST', CRDS, { body: crd({ type: 'object', properties: { a: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.isFancy()', message: 'fancy' }] } } }, 'gadgets.example.com', 'gadgets', 'Gadget') });
    expect(res.status).toBe(422);
    expect(res.json.message).toBe(`CustomResourceDefinition.apiextensions.k8s.io "gadgets.example.com" is invalid: spec.validation.openAPIV3Schema.properties[spec].properties[a].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self.isFancy()", Message:"fancy", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:13: undeclared reference to 'isFancy' (in container '')\n | self.isFancy()\n | ............^`);
    expect((await call(sb, 'GET', `${CRDS}/gadgets.example.com`)).status).toBe(404);
    // The rule is typed by the schema: a field it does not declare is cel-go's `undefined field`.
    const typed = await call(sb, 'POST', CRDS, { body: crd({ type: 'object', properties: { type: { type: 'string' }, tags: { type: 'array', items: { type: 'object', properties: { k: { type: 'string' } } } }, extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } }, 'x-kubernetes-validations': [{ rule: "self.type != 'secret' || has(self.namespace)", message: 'namespace is required' }, { rule: 'self.tags.all(t, t.k != "") && self.tags[0].v == "" && self.extra.anything == 1' }] }, 'gadgets.example.com', 'gadgets', 'Gadget') });
    expect(typed.status).toBe(422);
    expect(typed.json.details.causes.map((c: { message: string }) => c.message.replace(/^.*?\}: /, ''))).toEqual([
      `compilation failed: ERROR: <input>:1:29: undefined field 'namespace'\n | self.type != 'secret' || has(self.namespace)\n | ............................^`,
      `compilation failed: ERROR: <input>:1:44: undefined field 'v'\n | self.tags.all(t, t.k != "") && self.tags[0].v == "" && self.extra.anything == 1\n | ...........................................^`,
    ]);
    const reason = await call(sb, 'POST', CRDS, { body: crd({ type: 'object', 'x-kubernetes-validations': [{ rule: 'true', reason: 'FieldValueWrong' }] }, 'gadgets.example.com', 'gadgets', 'Gadget') });
    expect(reason.json.message).toBe('CustomResourceDefinition.apiextensions.k8s.io "gadgets.example.com" is invalid: spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].reason: Unsupported value: "FieldValueWrong": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"');
    const message = await call(sb, 'POST', CRDS, { body: crd({ type: 'object', 'x-kubernetes-validations': [{ rule: 'true', messageExpression: 'self.nope(' }] }, 'gadgets.example.com', 'gadgets', 'Gadget') });
    expect(message.status).toBe(422);
    expect(message.json.details.causes[0].field).toBe('spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].messageExpression');
    expect(message.json.details.causes[0].message).toMatch(/^Invalid value: apiextensions\.ValidationRule\{Rule:"true", Message:"", MessageExpression:"self\.nope\(", .*\}: messageExpression compilation failed: ERROR: <input>:1:/);
  });
});
