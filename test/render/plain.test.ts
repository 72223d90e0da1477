import { describe, expect, it } from 'vitest';
import type { DriftlessError } from '../../src/core/errors.ts';
import type { KustomizeRunner } from '../../src/render/kustomize-port.ts';
import { createRenderer } from '../../src/render/renderer.ts';
import { memoryTree, type MemoryEntry } from '../support/memory-tree.ts';

const noKustomize: KustomizeRunner = { build: () => Promise.reject(new Error('kustomize must not run for plain YAML')) };
const renderer = createRenderer({ kustomize: noKustomize });
const cm = (name: string, ns?: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}`;
const render = (files: Record<string, MemoryEntry>, path = 'apps', extra: { maxFileBytes?: number } = {}) =>
  (extra.maxFileBytes ? createRenderer({ kustomize: noKustomize, ...extra }) : renderer).render({ tree: memoryTree(files), path });
const failure = (promise: Promise<unknown>): Promise<DriftlessError> =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err as DriftlessError,
  );

describe('plain YAML rendering', () => {
  it('walks the folder recursively in path order, multi-document, yaml/yml/json, nothing added', async () => {
    const result = await render({
      'apps/b.yaml': `${cm('b1')}---\n${cm('b2')}`,
      'apps/a/z.yml': cm('z'),
      'apps/c.json': JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { k: 'dg==' } }),
      'apps/README.md': 'not yaml',
      'apps/.github/workflow.yaml': 'on: push\n',
      'other/x.yaml': cm('x'),
    });
    expect(result.renderer).toBe('yaml');
    expect(result.manifests.map((m) => `${m.origin.file}:${m.origin.line} ${m.object.metadata.name}`)).toEqual(['apps/a/z.yml:1 z', 'apps/b.yaml:1 b1', 'apps/b.yaml:6 b2', 'apps/c.json:1 s']);
    expect(result.manifests[0]!.object.metadata.namespace).toBeUndefined();
    expect(result.manifests[3]!.object.data).toEqual({ k: 'dg==' });
    expect(result.dependencies).toEqual(['apps']);
  });

  it('renders the repository root and a single file', async () => {
    expect((await render({ 'a.yaml': cm('a') }, '')).manifests).toHaveLength(1);
    expect((await render({ 'a.yaml': cm('a') }, '.')).manifests).toHaveLength(1);
    expect((await render({ 'apps/a.yaml': cm('a'), 'apps/b.yaml': cm('b') }, 'apps/b.yaml')).manifests.map((m) => m.object.metadata.name)).toEqual(['b']);
  });

  it('refuses two objects with the same identity, naming both files and lines', async () => {
    const err = await failure(render({ 'apps/one.yaml': cm('same', 'prod'), 'apps/two.yaml': `${cm('other')}---\n${cm('same', 'prod')}` }));
    expect(err.code).toBe('DUPLICATE_OBJECT');
    expect(err.message).toBe('ConfigMap prod/same is defined twice: in apps/one.yaml:1 and in apps/two.yaml:6. Keep one of them.');
  });

  it('keeps objects whose identity differs only by namespace or group', async () => {
    const result = await render({ 'apps/a.yaml': `${cm('x', 'a')}---\n${cm('x', 'b')}---\napiVersion: example.com/v1\nkind: ConfigMap\nmetadata: {name: x, namespace: a}\n` });
    expect(result.manifests).toHaveLength(3);
  });

  it('names file:line of a syntax error', async () => {
    const err = await failure(render({ 'apps/ok.yaml': cm('a'), 'apps/bad.yaml': `${cm('b')}  labels: [\n` }));
    expect(err.code).toBe('MANIFEST_INVALID');
    expect(err.message).toMatch(/^apps\/bad\.yaml:\d+: YAML syntax error/);
  });

  it('refuses an oversize file by name', async () => {
    const err = await failure(render({ 'apps/big.yaml': `${cm('a')}data:\n  x: "${'x'.repeat(200)}"\n` }, 'apps', { maxFileBytes: 100 }));
    expect(err.code).toBe('MANIFEST_INVALID');
    expect(err.message).toContain('apps/big.yaml:');
  });

  it('refuses a file the source says is oversize without reading it', async () => {
    const tree = { revision: { ref: 'main', sha: 'a'.repeat(40) }, entries: () => Promise.resolve([{ path: 'apps/huge.yaml', type: 'file' as const, size: 9 * 1024 * 1024 }]), read: () => Promise.reject(new Error('must not read')) };
    const err = await failure(renderer.render({ tree, path: 'apps' }));
    expect(err.code).toBe('MANIFEST_INVALID');
    expect(err.message).toBe(`apps/huge.yaml: ${9 * 1024 * 1024} bytes is over the ${8 * 1024 * 1024}-byte limit for one file; split it into smaller files.`);
  });

  it('refuses a path that leaves the repository', async () => {
    const err = await failure(render({ 'apps/a.yaml': cm('a') }, '../elsewhere'));
    expect(err.code).toBe('PATH_ESCAPE');
    expect(err.message).toContain('../elsewhere');
  });

  it('fails clearly when the folder does not exist', async () => {
    const err = await failure(render({ 'apps/a.yaml': cm('a') }, 'nope'));
    expect(err.code).toBe('SOURCE_INVALID');
    expect(err.message).toContain('"nope"');
  });

  it('follows symlinks that stay inside the repository', async () => {
    const result = await render({ 'apps/link.yaml': { symlink: '../shared/cm.yaml' }, 'apps/dir': { symlink: '../more' }, 'shared/cm.yaml': cm('shared'), 'more/m.yaml': cm('more') });
    expect(result.manifests.map((m) => `${m.origin.file} ${m.object.metadata.name}`)).toEqual(['apps/dir/m.yaml more', 'apps/link.yaml shared']);
    expect(result.dependencies).toEqual(['apps', 'more', 'shared/cm.yaml']);
  });

  it('refuses a symlink that leaves the repository', async () => {
    const err = await failure(render({ 'apps/a.yaml': cm('a'), 'apps/evil.yaml': { symlink: '../../etc/passwd' } }));
    expect(err.code).toBe('PATH_ESCAPE');
    expect(err.message).toContain('apps/evil.yaml');
    expect(err.message).toContain('leaves the repository');
    const absolute = await failure(render({ 'apps/evil.yaml': { symlink: '/etc/passwd' } }));
    expect(absolute.code).toBe('PATH_ESCAPE');
  });

  it('refuses a submodule inside the rendered folder', async () => {
    const err = await failure(render({ 'apps/a.yaml': cm('a'), 'apps/vendor': { submodule: true } }));
    expect(err.code).toBe('SOURCE_INVALID');
    expect(err.message).toContain('apps/vendor');
    expect(err.message).toContain('submodule');
  });

  it('ignores a submodule elsewhere in the repository', async () => {
    expect((await render({ 'apps/a.yaml': cm('a'), 'vendor': { submodule: true } })).manifests).toHaveLength(1);
  });
});
