import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { createFsTree } from '../../src/adapters/fs-tree/fs-tree.ts';
import { createLocalGitSource } from '../../src/adapters/git-local/local-git-source.ts';
import { createKubectlKustomize } from '../../src/adapters/kustomize/kubectl-kustomize.ts';
import type { KubeObject } from '../../src/core/types.ts';
import { parseManifests, defaultParseLimits } from '../../src/render/parse.ts';
import { createRenderer } from '../../src/render/renderer.ts';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const corpus = join(resolve(repoRoot, '../shared'), 'corpus');
const kustomizeDir = join(corpus, 'kustomize');
const plainDir = join(corpus, 'plain');
const present = existsSync(kustomizeDir) && existsSync(plainDir);
if (!present) console.warn(`render corpus: ${corpus} is absent; skipping the corpus comparison.`);

const renderer = createRenderer({ kustomize: createKubectlKustomize() });
const keyOf = (o: KubeObject): string => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
const byKey = (objects: KubeObject[]): Map<string, KubeObject> => new Map(objects.map((o) => [keyOf(o), o]));
const cases = (dir: string): string[] => (present ? readdirSync(dir).sort() : []);

describe.skipIf(!present)('render corpus: kustomize cases equal kubectl kustomize (as sets of objects)', () => {
  it('holds the 80 kustomize cases', () => {
    expect(cases(kustomizeDir).length).toBe(80);
  });

  it.concurrent.each(cases(kustomizeDir))('%s', async (name) => {
    const dir = join(kustomizeDir, name);
    const root = readFileSync(join(dir, 'ROOT'), 'utf8').trim();
    const expectedText = readFileSync(join(dir, 'expected.yaml'), 'utf8');
    const expected = parseManifests(expectedText, { ...defaultParseLimits, file: 'expected.yaml', toolOutput: true }).map((m) => m.object);
    const result = await renderer.render({ tree: createFsTree(join(dir, 'input')), path: root });
    expect(result.renderer).toBe('kustomize');
    const actual = byKey(result.manifests.map((m) => m.object));
    expect([...actual.keys()].sort()).toEqual([...byKey(expected).keys()].sort());
    expect(actual).toEqual(byKey(expected));
    // The printed rendering is kustomize's own output, byte for byte.
    expect(result.text).toBe(expectedText);
    expect(result.dependencies).toContain(root === '.' ? '' : root);
    // Origins are best effort, but always a file of the case.
    for (const m of result.manifests) expect(existsSync(join(dir, 'input', m.origin.file))).toBe(true);
  });
});

describe.skipIf(!present)('render corpus: plain folders render every document', () => {
  it.concurrent.each(cases(plainDir))('%s', async (name) => {
    const dir = join(plainDir, name);
    const result = await renderer.render({ tree: createFsTree(dir), path: '' });
    expect(result.renderer).toBe('yaml');
    const expected: string[] = [];
    for (const file of readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort()) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
        const value = doc.toJS() as KubeObject | null;
        if (value) expected.push(`${file} ${keyOf(value)}`);
      }
    }
    expect(expected.length).toBeGreaterThan(0);
    expect(result.manifests.map((m) => `${m.origin.file} ${keyOf(m.object)}`)).toEqual(expected);
    for (const m of result.manifests) expect(m.origin.line).toBeGreaterThanOrEqual(1);
    expect(parse(readFileSync(join(dir, result.manifests[0]!.origin.file), 'utf8').split('\n---')[0]!)).toMatchObject({ kind: expect.any(String) });
  });
});

describe.skipIf(!present)('render corpus: read from a local git repository at a commit', () => {
  it('renders an overlay committed to git (no checkout) equal to kubectl kustomize, depending on its base', async () => {
    const dir = join(kustomizeDir, 'krusty-medium-overlay');
    const repo = mkdtempSync(join(tmpdir(), 'driftless-corpus-git-'));
    try {
      cpSync(join(dir, 'input'), repo, { recursive: true });
      const git = (...args: string[]): string => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
      git('init', '-q', '-b', 'main');
      git('add', '-A');
      git('commit', '-q', '-m', 'corpus');
      // The work tree changes after the commit; the render must not see it.
      rmSync(join(repo, 'base'), { recursive: true });
      const source = createLocalGitSource(repo);
      const tree = await source.tree(await source.resolve('main'));
      const result = await renderer.render({ tree, path: 'overlay' });
      expect(result.text).toBe(readFileSync(join(dir, 'expected.yaml'), 'utf8'));
      expect(result.dependencies).toEqual(['base', 'overlay']);
      const deployment = result.manifests.find((m) => m.object.kind === 'Deployment');
      expect(deployment?.origin).toEqual({ file: 'base/deployment/deployment.yaml', line: 2 });
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
