import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsTree } from '../../../src/adapters/fs-tree/fs-tree.ts';
import { createRenderer } from '../../../src/render/renderer.ts';

const root = mkdtempSync(join(tmpdir(), 'driftless-fstree-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

mkdirSync(join(root, 'apps/web'), { recursive: true });
mkdirSync(join(root, '.git'));
writeFileSync(join(root, '.git/config'), '');
mkdirSync(join(root, 'vendor/lib/.git'), { recursive: true });
writeFileSync(join(root, 'apps/web/cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
symlinkSync('web/cm.yaml', join(root, 'apps/link.yaml'));
symlinkSync(join(root, 'apps/web'), join(root, 'apps/abs'));
symlinkSync('/etc/hostname', join(root, 'apps/out.yaml'));

describe('createFsTree', () => {
  const tree = createFsTree(root);

  it('lists files, symlinks (absolute ones into the root made relative) and nested repositories as submodules, skipping .git', async () => {
    expect(tree.revision).toEqual({ ref: 'worktree', sha: '' });
    expect(await tree.entries()).toEqual([
      { path: 'apps/abs', type: 'symlink', target: 'web' },
      { path: 'apps/link.yaml', type: 'symlink', target: 'web/cm.yaml' },
      { path: 'apps/out.yaml', type: 'symlink', target: '/etc/hostname' },
      { path: 'apps/web/cm.yaml', type: 'file' },
      { path: 'vendor/lib', type: 'submodule' },
    ]);
  });

  it('reads regular files only, never outside the root', async () => {
    expect(new TextDecoder().decode(await tree.read('apps/web/cm.yaml'))).toContain('ConfigMap');
    await expect(tree.read('apps/out.yaml')).rejects.toMatchObject({ code: 'SOURCE_INVALID' });
    await expect(tree.read('../etc/passwd')).rejects.toMatchObject({ code: 'SOURCE_INVALID' });
  });

  it('lets the renderer refuse the symlink that leaves the folder', async () => {
    const renderer = createRenderer({ kustomize: { build: () => Promise.reject(new Error('unused')) } });
    await expect(renderer.render({ tree, path: 'apps' })).rejects.toMatchObject({ code: 'PATH_ESCAPE', message: expect.stringContaining('apps/out.yaml') });
    const web = await renderer.render({ tree, path: 'apps/web' });
    expect(web.manifests.map((m) => m.origin)).toEqual([{ file: 'apps/web/cm.yaml', line: 1 }]);
  });
});
