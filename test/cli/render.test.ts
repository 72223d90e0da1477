import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { registerRender } from '../../src/cli/commands/render.ts';
import { parseAllDocuments } from 'yaml';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const corpusCase = join(resolve(repoRoot, '../shared'), 'corpus/kustomize/krusty-medium-overlay');
const temp = mkdtempSync(join(tmpdir(), 'driftless-cli-render-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function write(root: string, files: Record<string, string>): string {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    // The shipped entry point: the build in dist/cli (made fresh by the test setup).
    execFile(join(repoRoot, 'bin/driftless'), args, { cwd: repoRoot, encoding: 'utf8' }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/**
 * In process (fast): the command as registered, stdout captured; an error comes back as the
 * exit code and the `driftless: message [CODE]` line the command printed.
 */
async function inProcess(...args: string[]): Promise<{ stdout: string; exitCode: number; error?: { code: string; message: string } }> {
  const program = new Command('driftless').exitOverride();
  registerRender(program);
  let stdout = '';
  let stderr = '';
  const decode = (chunk: string | Uint8Array): string => (typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk));
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += decode(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += decode(chunk)), true));
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'driftless', 'render', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const exitCode = typeof process.exitCode === 'number' ? process.exitCode : 0;
  process.exitCode = undefined;
  const printed = /^driftless: ([\s\S]*) \[([A-Z_]+)\]\n$/.exec(stderr);
  return printed ? { stdout, exitCode, error: { code: printed[2]!, message: printed[1]! } } : { stdout, exitCode };
}

const secret = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata:\n  password: c2VjcmV0\n';
const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  mode: "0644"\n  list: "a"\n';

describe('driftless render (in process)', () => {
  it('prints a plain folder: every object, nothing added, Secret data unmasked', async () => {
    const dir = write(join(temp, 'plain'), { 'a.yaml': cm, 'b/secret.yaml': secret });
    const { stdout, error } = await inProcess(dir);
    expect(error).toBeUndefined();
    const objects = parseAllDocuments(stdout).map((d) => d.toJS());
    expect(objects).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { mode: '0644', list: 'a' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, data: { password: 'c2VjcmV0' } },
    ]);
    // kustomize's printing style: sorted keys, strings that YAML 1.1 would misread quoted.
    expect(stdout.startsWith('apiVersion: v1\ndata:\n  list: a\n  mode: "0644"\nkind: ConfigMap\n')).toBe(true);
  });

  it('prints --json with renderer, dependencies and origins', async () => {
    const { stdout } = await inProcess(join(temp, 'plain'), '--json');
    const body = JSON.parse(stdout) as { renderer: string; dependencies: string[]; manifests: Array<{ origin: { file: string; line: number } }> };
    expect(body.renderer).toBe('yaml');
    expect(body.dependencies).toEqual(['']);
    expect(body.manifests.map((m) => m.origin)).toEqual([
      { file: 'a.yaml', line: 1 },
      { file: 'b/secret.yaml', line: 1 },
    ]);
  });

  it('defaults the root to the git top level, so an overlay reaches its base', async () => {
    const repo = write(join(temp, 'gitrepo'), {
      'base/kustomization.yaml': 'resources:\n- cm.yaml\n',
      'base/cm.yaml': cm,
      'overlays/prod/kustomization.yaml': 'resources:\n- ../../base\nnamePrefix: prod-\n',
    });
    execFileSync('git', ['init', '-q'], { cwd: repo });
    const { stdout, error } = await inProcess(join(repo, 'overlays/prod'));
    expect(error).toBeUndefined();
    expect(stdout).toContain('name: prod-cfg');
  });

  it('outside git the root is the path itself: ../ escapes are refused', async () => {
    const dir = write(join(temp, 'nogit'), { 'base/cm.yaml': cm, 'overlay/kustomization.yaml': 'resources:\n- ../base/cm.yaml\n' });
    const { error } = await inProcess(join(dir, 'overlay'));
    expect(error?.code).toBe('PATH_ESCAPE');
    expect(error?.message).toContain('kustomization.yaml:2: resources entry "../base/cm.yaml" leaves the repository root');
  });

  it('fails on a kustomize error with kustomize’s message and repository paths, and prints JSON errors with --json', async () => {
    const dir = write(join(temp, 'kfail'), { 'app/kustomization.yaml': 'resources:\n- missing.yaml\n' });
    const { stdout, error, exitCode } = await inProcess(join(dir, 'app'), '--root', dir, '--json');
    expect(error?.code).toBe('RENDER_FAILED');
    expect(exitCode).toBe(1);
    expect(error?.message).toContain('kustomize failed to build app');
    expect(error?.message).toContain('app/missing.yaml');
    expect(error?.message).not.toContain('driftless-kustomize-');
    expect((JSON.parse(stdout) as { error: { code: string } }).error.code).toBe('RENDER_FAILED');
  });

  it('refuses a missing path and a path outside --root as usage errors', async () => {
    const absent = await inProcess(join(temp, 'absent'));
    expect(absent.error?.code).toBe('BAD_REQUEST');
    expect(absent.exitCode).toBe(2);
    const outside = await inProcess(join(temp, 'plain'), '--root', join(temp, 'gitrepo'));
    expect(outside.error?.code).toBe('BAD_REQUEST');
    expect(outside.error?.message).toContain('outside the repository root');
  });
});

describe('driftless render (the real CLI: output and exit codes)', () => {
  it.skipIf(!existsSync(corpusCase)).concurrent('exit 0: prints a kustomization exactly as kubectl kustomize does', async () => {
    const { code, stdout } = await cli('render', join(corpusCase, 'input/overlay'), '--root', join(corpusCase, 'input'));
    expect(code).toBe(0);
    expect(stdout).toBe(readFileSync(join(corpusCase, 'expected.yaml'), 'utf8'));
  });

  it.concurrent('exit 1 naming file:line on a YAML error', async () => {
    const dir = write(join(temp, 'broken'), { 'ok.yaml': cm, 'bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: [\n' });
    const { code, stdout, stderr } = await cli('render', dir);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/bad\.yaml:\d+: YAML syntax error.*\[MANIFEST_INVALID\]/);
  });

  it.concurrent('exit 2 on a usage error', async () => {
    const { code, stderr } = await cli('render', join(temp, 'absent'));
    expect(code).toBe(2);
    expect(stderr).toContain('does not exist');
  });
});
