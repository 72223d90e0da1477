import { describe, expect, it } from 'vitest';
import { DriftlessError } from '../../src/core/errors.ts';
import { decodeManifestFile, defaultParseLimits, parseManifests } from '../../src/render/parse.ts';

const opts = { ...defaultParseLimits, file: 'apps/web.yaml', toolOutput: false };
const fail = (fn: () => unknown): DriftlessError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof DriftlessError) return err;
    throw err;
  }
  throw new Error('expected a DriftlessError');
};

describe('parseManifests', () => {
  it('reads several documents with their lines, skipping empty ones', () => {
    const text = '---\n# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n';
    const manifests = parseManifests(text, opts);
    expect(manifests.map((m) => [m.object.kind, m.origin])).toEqual([
      ['ConfigMap', { file: 'apps/web.yaml', line: 4 }],
      ['Secret', { file: 'apps/web.yaml', line: 9 }],
    ]);
  });

  it('reads numbers and booleans as kubectl does (YAML 1.1), keeps dates as strings', () => {
    const [m] = parseManifests('apiVersion: v1\nkind: X\nmetadata: {name: a}\nmode: 0644\nflag: yes\nwhen: 2024-01-02\n', opts);
    expect(m!.object).toMatchObject({ mode: 420, flag: true, when: '2024-01-02' });
  });

  it('names file:line of a YAML syntax error', () => {
    const err = fail(() => parseManifests('apiVersion: v1\nkind: X\nmetadata: {name: a}\n---\nfoo: [\n  bar\n', opts));
    expect(err.code).toBe('MANIFEST_INVALID');
    expect(err.message).toMatch(/^apps\/web\.yaml:\d+: YAML syntax error/);
    expect(err.details.line).toBeGreaterThanOrEqual(5);
  });

  it('refuses a duplicate key with its line', () => {
    const err = fail(() => parseManifests('apiVersion: v1\nkind: X\nkind: Y\nmetadata: {name: a}\n', opts));
    expect(err.message).toMatch(/^apps\/web\.yaml:3: /);
  });

  it('refuses a document that is not an object', () => {
    const err = fail(() => parseManifests('apiVersion: v1\nkind: X\nmetadata: {name: a}\n---\n- a\n- b\n', opts));
    expect(err.message).toBe('apps/web.yaml:5: a manifest must be a mapping (an object), this document is a list.');
    expect(fail(() => parseManifests('just a string\n', opts)).message).toContain('apps/web.yaml:1:');
  });

  it('names what is missing: apiVersion, kind, metadata.name', () => {
    expect(fail(() => parseManifests('kind: Service\nmetadata: {name: a}\n', opts)).message).toBe(
      'apps/web.yaml:1: Service object has no apiVersion; every manifest needs apiVersion, kind and metadata.name.',
    );
    expect(fail(() => parseManifests('apiVersion: v1\nmetadata: {name: a}\n', opts)).message).toContain('has no kind');
    expect(fail(() => parseManifests('apiVersion: v1\nkind: X\nmetadata: {generateName: a-}\n', opts)).message).toContain('has no metadata.name');
    expect(fail(() => parseManifests('apiVersion: v1\nkind: X\n', opts)).message).toContain('has no metadata.name');
  });

  it('expands kind: List into its items, with each item’s line', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n';
    const manifests = parseManifests(text, opts);
    expect(manifests.map((m) => [m.object.metadata.name, m.origin.line])).toEqual([
      ['a', 4],
      ['b', 7],
    ]);
    const bad = fail(() => parseManifests('apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- kind: ConfigMap\n', opts));
    expect(bad.message).toMatch(/^apps\/web\.yaml:7: ConfigMap object has no apiVersion, metadata\.name/);
  });

  it('fails cleanly on an alias bomb', () => {
    const bomb = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: a}', 'a: &a [x,x,x,x,x,x,x,x,x]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]'].join('\n');
    const err = fail(() => parseManifests(bomb, opts));
    expect(err.code).toBe('MANIFEST_INVALID');
    expect(err.message).toContain('apps/web.yaml:1:');
    expect(err.message).toContain('aliases are limited to 100');
  });

  it('keeps tool output as printed (no lines, objects without apiVersion kept)', () => {
    const [m] = parseManifests('kind: Coffee\nmetadata: {name: cup}\n', { ...opts, toolOutput: true }, { file: 'k/kustomization.yaml' });
    expect(m).toEqual({ object: { kind: 'Coffee', metadata: { name: 'cup' } }, origin: { file: 'k/kustomization.yaml' } });
  });
});

describe('decodeManifestFile', () => {
  it('refuses a file over the size bound, naming it', () => {
    const err = fail(() => decodeManifestFile(new Uint8Array(11), 'big.yaml', { ...defaultParseLimits, maxFileBytes: 10 }));
    expect(err.code).toBe('MANIFEST_INVALID');
    expect(err.message).toBe('big.yaml: 11 bytes is over the 10-byte limit for one file; split it into smaller files.');
  });

  it('refuses text that is not UTF-8', () => {
    expect(fail(() => decodeManifestFile(new Uint8Array([0xff, 0xfe, 0x00]), 'bin.yaml', defaultParseLimits)).message).toBe('bin.yaml: is not valid UTF-8 text.');
  });
});
