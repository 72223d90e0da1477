import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../../config/defaults.ts';
import type { ClusterCheck } from '../../wiring/credentials-check.ts';
import { EXIT, exiting } from '../exit.ts';

interface CheckFlags {
  config: string;
  json?: boolean;
}

function formatCheck(check: ClusterCheck): string {
  const lines = [`cluster ${check.cluster} (${check.form}${check.server ? `, ${check.server}` : ''}): ${check.ok ? 'ok' : 'FAILED'}`];
  if (check.error) {
    lines.push(`  error: ${check.error.message} [${check.error.code}]`);
    return lines.join('\n');
  }
  lines.push(`  server version: ${check.version ?? 'unknown'}`);
  lines.push(check.user ? `  driftless is: ${check.user.username}${check.user.groups.length ? ` (groups: ${check.user.groups.join(', ')})` : ''}` : '  driftless is: unknown (no SelfSubjectReview)');
  if (check.checked === 0) lines.push('  permissions: no app uses this cluster, nothing to check');
  else if (check.missing.length === 0) lines.push(`  permissions: all ${check.checked} needed verbs allowed`);
  else {
    lines.push(`  missing permissions (${check.missing.length} of ${check.checked}):`);
    for (const m of check.missing) lines.push(`    ${m.verb} ${m.group ? `${m.resource}.${m.group}` : m.resource} ${m.namespace ? `in namespace ${m.namespace}` : 'at the cluster scope'} (apps: ${m.apps.join(', ')})`);
  }
  for (const note of check.notes) lines.push(`  note: ${note}`);
  return lines.join('\n');
}

export function registerCredentials(program: Command): void {
  const credentials = program.command('credentials').description("Check driftless's credentials");
  credentials
    .command('check')
    .argument('[clusters...]', 'clusters to check (default: all)')
    .description('Resolve each cluster\'s credentials, ask the cluster who driftless is (/version, SelfSubjectReview) and which verbs its apps need it lacks. Never prints secret values. Exit 0 all fine, 1 some cluster failed, 2 config error.')
    .option('--config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .option('--json', 'print a JSON report on stdout')
    .action(
      exiting(async (clusters: string[], flags: CheckFlags) => {
        const [{ loadConfig }, { createRuntime }, { checkClusterCredentials }] = await Promise.all([
          import('../../config/load.ts'),
          import('../../wiring/runtime.ts'),
          import('../../wiring/credentials-check.ts'),
        ]);
        const config = await loadConfig(flags.config);
        for (const warning of config.warnings) process.stderr.write(`warning: ${warning}\n`);
        const results = await checkClusterCredentials(createRuntime(config, { diskCache: true }), clusters);
        if (flags.json) process.stdout.write(`${JSON.stringify({ ok: results.every((r) => r.ok), clusters: results }, null, 2)}\n`);
        else process.stdout.write(`${results.map(formatCheck).join('\n')}\n`);
        return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
      }),
    );
}
