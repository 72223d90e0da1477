import { describe, expect, it } from 'vitest';
import type { DriftlessError } from '../../src/core/errors.ts';
import type { KustomizeBuild, KustomizeRunner } from '../../src/render/kustomize-port.ts';
import { isRemoteReference } from '../../src/render/kustomize-scan.ts';
import { createRenderer } from '../../src/render/renderer.ts';
import { memoryTree, type MemoryEntry } from '../support/memory-tree.ts';

const output = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: out\n';
function fakeRunner(text = output): KustomizeRunner & { builds: KustomizeBuild[] } {
  const builds: KustomizeBuild[] = [];
  return { builds, build: (b) => (builds.push(b), Promise.resolve(text)) };
}
const failure = (promise: Promise<unknown>): Promise<DriftlessError> =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err as DriftlessError,
  );
const cm = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

const layout: Record<string, MemoryEntry> = {
  'base/kustomization.yaml': 'resources:\n- deploy.yaml\n',
  'base/deploy.yaml': cm('web'),
  'base/sub/extra.txt': 'x',
  'overlays/prod/kustomization.yaml': [
    'resources:',
    '- ../../base',
    'components:',
    '- ../../components/c',
    'patches:',
    '- path: patch.yaml',
    '- path: ../../patches/shared.yaml',
    'configMapGenerator:',
    '- name: cfg',
    '  files:',
    '  - app.ini=../../config/app.ini',
    '  envs:',
    '  - env.txt',
    '',
  ].join('\n'),
  'overlays/prod/patch.yaml': cm('web'),
  'overlays/prod/env.txt': 'A=1\n',
  'overlays/staging/kustomization.yaml': 'resources:\n- ../../base\n',
  'components/c/Kustomization': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n',
  'patches/shared.yaml': cm('web'),
  'config/app.ini': 'a=b\n',
  'unrelated/big.bin': 'x',
  'vendor': { submodule: true },
};

describe('kustomize rendering', () => {
  it('runs kustomize on a folder with a kustomization file, with the files the build needs', async () => {
    const runner = fakeRunner();
    const result = await createRenderer({ kustomize: runner }).render({ tree: memoryTree(layout), path: 'overlays/prod' });
    expect(result.renderer).toBe('kustomize');
    expect(result.text).toBe(output);
    expect(result.manifests).toEqual([{ object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'out' } }, origin: { file: 'overlays/prod/kustomization.yaml' } }]);
    expect(runner.builds[0]!.root).toBe('overlays/prod');
    expect([...runner.builds[0]!.files.keys()].sort()).toEqual([
      'base/deploy.yaml',
      'base/kustomization.yaml',
      'base/sub/extra.txt',
      'components/c/Kustomization',
      'config/app.ini',
      'overlays/prod/env.txt',
      'overlays/prod/kustomization.yaml',
      'overlays/prod/patch.yaml',
      'patches/shared.yaml',
    ]);
  });

  it('reports every folder and file the build reads as dependencies (an overlay depends on its base)', async () => {
    const result = await createRenderer({ kustomize: fakeRunner() }).render({ tree: memoryTree(layout), path: './overlays/prod/' });
    expect(result.dependencies).toEqual(['base', 'components/c', 'config/app.ini', 'overlays/prod', 'patches/shared.yaml']);
  });

  it('names the resource file and line that declared each object, best effort, without touching the objects', async () => {
    const printed = ['apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: prod-web\n', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: prod-cfg-5g2h8\n', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: prod-web\n'].join('---\n');
    const tree = memoryTree({
      'base/kustomization.yaml': 'resources:\n- deploy.yaml\n',
      'base/deploy.yaml': `${cm('other')}---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n`,
      'overlay/kustomization.yaml': 'resources:\n- ../base\nnamePrefix: prod-\npatches:\n- path: patch.yaml\n',
      'overlay/patch.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n',
    });
    const result = await createRenderer({ kustomize: fakeRunner(printed) }).render({ tree, path: 'overlay' });
    expect(result.manifests.map((m) => [m.object.metadata.name, m.origin])).toEqual([
      ['prod-web', { file: 'base/deploy.yaml', line: 6 }],
      ['prod-cfg-5g2h8', { file: 'overlay/kustomization.yaml' }],
      ['prod-web', { file: 'overlay/kustomization.yaml' }],
    ]);
    expect(result.text).toBe(printed);
  });

  it('renders the folder when given the kustomization file itself', async () => {
    const runner = fakeRunner();
    await createRenderer({ kustomize: runner }).render({ tree: memoryTree(layout), path: 'overlays/staging/kustomization.yaml' });
    expect(runner.builds[0]!.root).toBe('overlays/staging');
  });

  it('accepts kustomization.yml and Kustomization as names', async () => {
    for (const name of ['kustomization.yml', 'Kustomization']) {
      const result = await createRenderer({ kustomize: fakeRunner() }).render({ tree: memoryTree({ [`app/${name}`]: 'resources: []\n' }), path: 'app' });
      expect(result.renderer).toBe('kustomize');
    }
  });

  it.each([
    ['https://github.com/org/repo//base?ref=v1'],
    ['http://example.com/cm.yaml'],
    ['github.com/org/repo/base?ref=main'],
    ['git::https://example.com/org/repo.git//base'],
    ['ssh://git@example.com/org/repo.git'],
    ['git@github.com:org/repo.git/base'],
  ])('refuses the remote base %s, naming the kustomization file, line and entry', async (entry) => {
    const tree = memoryTree({ 'app/kustomization.yaml': `resources:\n- local.yaml\n- ${entry}\n`, 'app/local.yaml': cm('a') });
    const runner = fakeRunner();
    const err = await failure(createRenderer({ kustomize: runner }).render({ tree, path: 'app' }));
    expect(err.code).toBe('REMOTE_REFUSED');
    expect(err.message).toContain(`app/kustomization.yaml:3: resources entry "${entry}" is remote`);
    expect(runner.builds).toHaveLength(0);
  });

  it('lets remote bases through to kustomize when the app allows them', async () => {
    const runner = fakeRunner();
    const tree = memoryTree({ 'app/kustomization.yaml': 'resources:\n- https://github.com/org/repo//base\n' });
    await createRenderer({ kustomize: runner }).render({ tree, path: 'app', allowRemote: true });
    expect(runner.builds[0]!.allowRemote).toBe(true);
  });

  it('refuses remote bases in a base reached from the overlay', async () => {
    const tree = memoryTree({ 'o/kustomization.yaml': 'resources:\n- ../b\n', 'b/kustomization.yaml': 'bases:\n- github.com/org/repo\n' });
    const err = await failure(createRenderer({ kustomize: fakeRunner() }).render({ tree, path: 'o' }));
    expect(err.message).toContain('b/kustomization.yaml:2: bases entry "github.com/org/repo"');
  });

  it('refuses a .. escape out of the repository, naming the file and entry', async () => {
    const tree = memoryTree({ 'app/kustomization.yaml': 'resources:\n- ../../outside\n' });
    const err = await failure(createRenderer({ kustomize: fakeRunner() }).render({ tree, path: 'app' }));
    expect(err.code).toBe('PATH_ESCAPE');
    expect(err.message).toBe('app/kustomization.yaml:2: resources entry "../../outside" leaves the repository root. Keep every path inside the repository.');
    const patch = memoryTree({ 'app/kustomization.yaml': 'patches:\n- path: ../../../etc/passwd\n' });
    expect((await failure(createRenderer({ kustomize: fakeRunner() }).render({ tree: patch, path: 'app' }))).details.field).toBe('patches.path');
  });

  it('refuses a symlink leaving the repository that the kustomization names', async () => {
    const tree = memoryTree({ 'app/kustomization.yaml': 'resources:\n- evil.yaml\n', 'app/evil.yaml': { symlink: '../../secret.yaml' } });
    const err = await failure(createRenderer({ kustomize: fakeRunner() }).render({ tree, path: 'app' }));
    expect(err.code).toBe('PATH_ESCAPE');
    expect(err.message).toContain('app/kustomization.yaml:2');
    expect(err.message).toContain('symlink app/evil.yaml');
  });

  it('copies symlinks that stay inside the repository as regular files, and leaves out ones that leave it', async () => {
    const runner = fakeRunner();
    const tree = memoryTree({ 'app/kustomization.yaml': 'resources:\n- cm.yaml\n', 'app/cm.yaml': { symlink: '../shared/cm.yaml' }, 'shared/cm.yaml': cm('a'), 'app/notes': { symlink: '/etc' } });
    await createRenderer({ kustomize: runner }).render({ tree, path: 'app' });
    expect(new TextDecoder().decode(runner.builds[0]!.files.get('app/cm.yaml'))).toBe(cm('a'));
    expect([...runner.builds[0]!.files.keys()].sort()).toEqual(['app/cm.yaml', 'app/kustomization.yaml']);
  });

  it('refuses a submodule used by the render', async () => {
    const tree = memoryTree({ 'app/kustomization.yaml': 'resources:\n- ../vendor/base\n', 'vendor': { submodule: true } });
    const err = await failure(createRenderer({ kustomize: fakeRunner() }).render({ tree, path: 'app' }));
    expect(err.code).toBe('SOURCE_INVALID');
    expect(err.message).toContain('app/kustomization.yaml:2 uses vendor');
  });

  it('refuses a kustomization with an alias bomb or a syntax error, naming it', async () => {
    const bomb = 'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nresources: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n';
    const err = await failure(createRenderer({ kustomize: fakeRunner() }).render({ tree: memoryTree({ 'app/kustomization.yaml': bomb }), path: 'app' }));
    expect(err.code).toBe('MANIFEST_INVALID');
    expect(err.message).toContain('app/kustomization.yaml:1');
    const syntax = await failure(createRenderer({ kustomize: fakeRunner() }).render({ tree: memoryTree({ 'app/kustomization.yaml': 'resources: [\n' }), path: 'app' }));
    expect(syntax.message).toMatch(/^app\/kustomization\.yaml:\d+: YAML syntax error/);
  });

  it('refuses an alias bomb in a file handed to kustomize (kustomize would spin on it for minutes)', async () => {
    const levels = ['a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]'];
    for (let i = 1; i < 9; i++) {
      const [p, c] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
      levels.push(`${c}: &${c} [*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p}]`);
    }
    const bomb = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  ${levels.join('\n  ')}\n`;
    const runner = fakeRunner();
    const tree = memoryTree({ 'app/kustomization.yaml': 'resources:\n- cm.yaml\n', 'app/cm.yaml': `${cm('ok')}---\n${bomb}` });
    const err = await failure(createRenderer({ kustomize: runner }).render({ tree, path: 'app' }));
    expect(err.code).toBe('MANIFEST_INVALID');
    expect(err.message).toMatch(/^app\/cm\.yaml:6: cannot read this document/);
    expect(runner.builds).toHaveLength(0);
  });

  it('refuses an oversize file the build reads, and skips an oversize file nobody names', async () => {
    const big = 'x'.repeat(300);
    const named = memoryTree({ 'app/kustomization.yaml': 'resources:\n- cm.yaml\n', 'app/cm.yaml': `${cm('a')}data:\n  x: ${big}\n` });
    const err = await failure(createRenderer({ kustomize: fakeRunner(), maxFileBytes: 200 }).render({ tree: named, path: 'app' }));
    expect(err.code).toBe('MANIFEST_INVALID');
    expect(err.message).toContain('app/cm.yaml: ');
    const runner = fakeRunner();
    await createRenderer({ kustomize: runner, maxFileBytes: 200 }).render({ tree: memoryTree({ 'app/kustomization.yaml': 'resources: []\n', 'app/logo.png': big }), path: 'app' });
    expect(runner.builds[0]!.files.has('app/logo.png')).toBe(false);
  });

  it('refuses duplicate objects in the output', async () => {
    const err = await failure(createRenderer({ kustomize: fakeRunner(`${output}---\n${output}`) }).render({ tree: memoryTree({ 'app/kustomization.yaml': 'resources: []\n' }), path: 'app' }));
    expect(err.code).toBe('DUPLICATE_OBJECT');
  });
});

describe('isRemoteReference', () => {
  it('tells remote entries from local paths', () => {
    expect(isRemoteReference('https://x/y', false)).toBe(true);
    expect(isRemoteReference('example.com/org/repo', false)).toBe(true);
    expect(isRemoteReference('example.com/org/repo', true)).toBe(false);
    expect(isRemoteReference('../base', false)).toBe(false);
    expect(isRemoteReference('deploy.yaml', false)).toBe(false);
  });
});
