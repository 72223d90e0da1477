import { describe, expect, it } from 'vitest';
import type { DriftlessError } from '../../src/core/errors.ts';
import type { KustomizeBuild, KustomizeRunner } from '../../src/render/kustomize-port.ts';
import { isInternalHost, remoteRefusal } from '../../src/render/remote-policy.ts';
import { createRenderer } from '../../src/render/renderer.ts';
import { memoryTree } from '../support/memory-tree.ts';

const acme = ['https://github.com/acme/'];

describe('remoteRefusal', () => {
  it.each([
    ['https://github.com/acme/base//app?ref=v1', acme],
    ['github.com/acme/base/app?ref=v1', acme],
    ['git::https://github.com/acme/base.git//app', acme],
    ['https://GITHUB.com/acme/base', acme],
    ['https://github.com/org/repo//base', true],
    ['git@github.com:acme/base.git', ['git@github.com:acme/']],
    ['ssh://git@github.com/acme/base.git', ['ssh://git@github.com/acme/']],
    ['http://mirror.example.com/acme/base', ['http://mirror.example.com/acme/']],
  ] as const)('allows %s under %j', (entry, policy) => {
    expect(remoteRefusal(entry, policy)).toBeUndefined();
  });

  it.each([
    ['https://github.com/acme/base', false, /allowRemote/],
    ['https://github.com/acme-evil/base', acme, /none of the prefixes/],
    ['https://github.com/acme/../evil/base', acme, /none of the prefixes/],
    ['https://github.com@evil.example/acme/base', acme, /none of the prefixes/],
    ['http://github.com/acme/base', acme, /none of the prefixes/],
    ['git@github.com:acme/base.git', acme, /none of the prefixes/],
    ['ssh://git@github.com/acme/base.git', true, /https only/],
    ['http://example.com/base', true, /https only/],
    ['file:///etc/passwd', true, /file:\/\//],
    ['file:///etc/', ['file:///etc/'], /file:\/\//],
    ['https://127.0.0.1/acme/x', true, /loopback, private/],
    ['https://2130706433/x', true, /loopback, private/],
    ['https://0x7f.1/x', true, /loopback, private/],
    ['https://localhost/acme/', ['https://localhost/'], /loopback, private/],
    ['https://10.1.2.3/x', true, /loopback, private/],
    ['https://172.20.0.1/x', true, /loopback, private/],
    ['https://192.168.1.1/x', true, /loopback, private/],
    ['https://169.254.169.254/latest/meta-data', true, /loopback, private/],
    ['https://[::1]/x', true, /loopback, private/],
    ['https://[fd00::1]/x', true, /loopback, private/],
    ['https://[::ffff:127.0.0.1]/x', true, /loopback, private/],
    ['git@10.0.0.5:acme/x', ['git@10.0.0.5:acme/'], /loopback, private/],
  ] as const)('refuses %s under %j', (entry, policy, reason) => {
    expect(remoteRefusal(entry, policy)).toMatch(reason);
  });

  it('treats only literal internal names and addresses as internal', () => {
    expect(isInternalHost('172.32.0.1')).toBe(false);
    expect(isInternalHost('github.com')).toBe(false);
    expect(isInternalHost('fe80::1')).toBe(true);
  });
});

describe('kustomize scan with an allow list', () => {
  const runner = (): KustomizeRunner & { builds: KustomizeBuild[] } => {
    const builds: KustomizeBuild[] = [];
    return { builds, build: (b) => (builds.push(b), Promise.resolve('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: out\n')) };
  };

  it('passes listed prefixes to kustomize with the network on', async () => {
    const r = runner();
    const tree = memoryTree({ 'app/kustomization.yaml': 'resources:\n- https://github.com/acme/base//app?ref=v1\n' });
    await createRenderer({ kustomize: r }).render({ tree, path: 'app', allowRemote: acme });
    expect(r.builds[0]!.allowRemote).toBe(true);
  });

  it('refuses an unlisted or internal URL before kustomize runs, naming the file, line and URL', async () => {
    for (const entry of ['https://github.com/other/base', 'https://169.254.169.254/latest']) {
      const r = runner();
      const tree = memoryTree({ 'app/kustomization.yaml': `resources:\n- ${entry}\n` });
      const err = (await createRenderer({ kustomize: r })
        .render({ tree, path: 'app', allowRemote: entry.includes('169') ? true : acme })
        .catch((e: unknown) => e)) as DriftlessError;
      expect(err.code).toBe('REMOTE_REFUSED');
      expect(err.message).toContain(`app/kustomization.yaml:2: resources entry "${entry}" is remote, and refused: `);
      expect(r.builds).toHaveLength(0);
    }
  });
});
