import { relative } from 'node:path';
import { startSandbox } from '../../../sandbox/index.ts';
import { loadConfig } from '../../config/load.ts';
import { refString } from '../../core/objects.ts';
import type { SyncResult } from '../../core/types.ts';
import { startServer } from '../../wiring/serve.ts';
import { createJsonLogger } from '../../adapters/log-json/index.ts';
import { silentLogger } from '../../service/engine.ts';
import { findTool } from '../../tools/binaries.ts';
import { headOf, prepareQuickstart } from './prepare.ts';

export interface QuickstartOptions {
  dir: string;
  port: number;
  /** Stop after the first syncs (tests, CI) instead of serving until interrupted. */
  exitAfterSync: boolean;
  verbose: boolean;
}

const say = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

function describe(result: SyncResult | undefined): string {
  if (!result) return 'no result';
  const changed = result.objects.filter((o) => o.outcome === 'applied');
  const lines = [`${result.status} at ${result.revision.sha.slice(0, 7)}: ${changed.length} applied, ${result.objects.length - changed.length} unchanged, ${result.pruned.length} pruned, health ${result.health}`];
  for (const o of result.objects) lines.push(`    ${o.action.padEnd(9)} ${refString(o.ref)}${o.health ? ` (${o.health})` : ''}`);
  for (const e of result.errors) lines.push(`    error ${e.code}: ${e.message}`);
  return lines.join('\n');
}

/** `npm start`: the sandbox cluster, the example apps synced into it, and `serve` on top. Returns an exit code. */
export async function runQuickstart(options: QuickstartOptions): Promise<number> {
  const cwd = process.cwd();
  const show = (p: string): string => relative(cwd, p) || '.';
  const files = prepareQuickstart(options.dir);
  say(`driftless quick start (files in ${show(files.dir)})`);
  say(`  example GitOps repository: ${show(files.repoDir)} at ${headOf(files.repoDir).slice(0, 7)}`);

  const sandbox = await startSandbox({ port: 0, kubeconfigPath: files.kubeconfigFile });
  say(`  sandbox Kubernetes API:    ${sandbox.url} (kubeconfig ${show(files.kubeconfigFile)})`);

  const config = await loadConfig(files.configFile);
  let server;
  try {
    server = await startServer({ config, dataDir: files.dataDir, port: options.port, log: options.verbose ? createJsonLogger() : silentLogger });
  } catch (err) {
    if ((err as { code?: string }).code !== 'EADDRINUSE' || options.port === 0) throw err;
    say(`  port ${options.port} is taken; using another one`);
    server = await startServer({ config, dataDir: files.dataDir, port: 0, log: options.verbose ? createJsonLogger() : silentLogger });
  }
  say(`  driftless serve:           ${server.url}`);
  say();

  let failed = 0;
  for (const app of config.apps) {
    say(`syncing ${app.name} (${app.path} → namespace ${app.namespace}) …`);
    const queued = await server.service.requestSync(app.name, {}, 'quickstart');
    const record = await server.service.waitForSync(queued.id);
    if (record.result?.status !== 'Synced') failed++;
    say(`  ${record.result ? describe(record.result) : `${record.state}: ${record.error?.message ?? record.reason ?? ''}`}`);
  }

  const kubectl = findTool('kubectl').path;
  say();
  say('Look at the cluster with kubectl:');
  say(`  export KUBECONFIG=${show(files.kubeconfigFile)}`);
  say(`  ${kubectl} get deployments,services -n staging`);
  say(`  ${kubectl} get deployments,services -n production`);
  say();
  say('Redeploy an app through the API (the token is in a file, never printed):');
  say(`  curl -s -X POST -H "Authorization: Bearer $(cat ${show(files.apiTokenFile)})" -H 'Content-Type: application/json' \\`);
  say(`       -d '{}' '${server.url}/apps/web-staging/sync?wait=true'`);
  say(`  curl -s -H "Authorization: Bearer $(cat ${show(files.apiTokenFile)})" ${server.url}/apps`);
  say();
  say(`Change the example: edit ${show(files.repoDir)}/overlays/staging, commit, and driftless picks it up (poll every minute, or curl the sync above).`);

  const stop = async (): Promise<void> => {
    await server.close();
    await sandbox.stop();
  };
  if (options.exitAfterSync) {
    await stop();
    return failed === 0 ? 0 : 1;
  }
  say('Press Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  say('stopping …');
  await stop();
  return failed === 0 ? 0 : 1;
}
