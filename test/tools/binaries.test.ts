import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { findTool } from '../../src/tools/binaries.ts';

describe('bundled tools', () => {
  it('kubectl from the layer is v1.34 with kustomize v5.7', () => {
    const kubectl = findTool('kubectl');
    const out = JSON.parse(execFileSync(kubectl.path, ['version', '--client', '-o', 'json']).toString()) as { clientVersion: { gitVersion: string }; kustomizeVersion: string };
    expect(out.clientVersion.gitVersion).toMatch(/^v1\.34\./);
    expect(out.kustomizeVersion).toMatch(/^v5\.7\./);
  });

  it('helm from the layer runs', () => {
    const helm = findTool('helm');
    expect(execFileSync(helm.path, ['version', '--short']).toString()).toMatch(/^v\d+\./);
  });
});
