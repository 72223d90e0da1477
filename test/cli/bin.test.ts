import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../sandbox/index.ts';
import { startAwsStandins } from '../support/aws-standin/index.ts';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const bin = join(repoRoot, 'bin/driftless');
const temp = mkdtempSync(join(tmpdir(), 'driftless-cli-bin-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = { ...process.env };
  delete clean.DRIFTLESS_FROM_SOURCE;
  return new Promise((done) => {
    execFile(bin, args, { cwd: temp, encoding: 'utf8', env: { ...clean, ...env } }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

// Speed is measured by bench/cli-startup.ts, not here: these tests check what runs and that it works.
describe('bin/driftless', () => {
  it('runs the JavaScript built into dist/cli (fresh from the test setup), not the TypeScript sources', async () => {
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(`0.1.0 (${join(repoRoot, 'dist/cli/main.js')})`);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['render', 'validate', 'diff', 'sync', 'serve', 'sandbox', 'schema', 'quickstart', 'tools']) expect(help.stdout).toContain(command);
  });

  it('runs the sources through tsx with DRIFTLESS_FROM_SOURCE=1', async () => {
    const version = await run(['--version'], { DRIFTLESS_FROM_SOURCE: '1' });
    expect(version.stdout.trim()).toBe(`0.1.0 (${join(repoRoot, 'src/cli/main.ts')})`);
  });

  it('finds kubectl from the build: tools, and render of a kustomization', async () => {
    const tools = await run(['tools', '--json']);
    expect(tools.code).toBe(0);
    expect((JSON.parse(tools.stdout) as { kubectl: { path: string } }).kubectl.path).toMatch(/kubectl$/);
    const app = join(temp, 'app');
    rmSync(app, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(app, { recursive: true });
    writeFileSync(join(app, 'kustomization.yaml'), 'namePrefix: p-\nresources: [cm.yaml]\n');
    writeFileSync(join(app, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\ndata: {a: b}\n');
    const render = await run(['render', app]);
    expect(render.stderr).toBe('');
    expect(render.code).toBe(0);
    expect(render.stdout).toContain('name: p-one');
  });

  it('exit codes follow one rule: 2 for a usage or config error, 0 for --help', async () => {
    expect((await run(['no-such-command'])).code).toBe(2);
    expect((await run(['sync'])).code).toBe(2);
    const missing = await run(['validate', '--config', join(temp, 'missing.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^driftless: config file .*missing\.yaml not found.*\[CONFIG_NOT_FOUND\]$/m);
    const noPath = await run(['render', join(temp, 'nowhere')]);
    expect(noPath.code).toBe(2);
    expect(noPath.stderr).toContain('[BAD_REQUEST]');
  });

  it('the build loads the AWS SDK on demand: credentials check of an eks: cluster and a Secrets Manager kubeconfig', async () => {
    const aws = await startAwsStandins({ region: 'eu-west-1' });
    const worker = aws.iam.addUser('bin-worker');
    const role = aws.sts.addRole({ name: 'bin-role', trust: [worker.arn] });
    const sb = await startSandbox({ controllers: false, eks: { cluster: 'prod', stsEndpoint: aws.sts.url, accessEntries: [{ principalArn: role.arn, groups: ['system:masters'] }] } });
    try {
      aws.eks.addCluster({ name: 'prod', endpoint: sb.url, caPem: sb.caPem, allow: [role.arn] });
      aws.secretsManager.putSecret('bin/kubeconfig', sb.kubeconfig);
      const config = join(temp, 'aws.yaml');
      writeFileSync(config, `repositories: { demo: { git: ./repo } }\nclusters:\n  e: { eks: { cluster: prod, region: eu-west-1, roleArn: "${role.arn}" } }\n  k: { kubeconfig: { secret: bin/kubeconfig } }\napps: []\n`);
      const check = await run(['credentials', 'check', '--config', config], { ...aws.envFor(worker, 'eu-west-1'), XDG_CACHE_HOME: join(temp, 'cache') });
      expect(check.code, check.stdout + check.stderr).toBe(0);
      expect(check.stdout).toContain('cluster e (eks, ');
      expect(check.stdout).toContain('driftless is: arn:aws:sts::111122223333:assumed-role/bin-role/driftless');
      expect(check.stdout).toContain('cluster k (kubeconfig, ');
    } finally {
      await sb.stop();
      await aws.close();
    }
  });
});
