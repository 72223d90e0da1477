import { buildCli } from '../../bin/build-cli.ts';
import { findTool } from '../../src/tools/binaries.ts';

/**
 * Before workers start: extract kubectl and helm once, so that no test pays for it or races on it;
 * and build dist/cli/, so that tests running bin/driftless run the shipped JavaScript of the code
 * under test (bin/driftless would fall back to the sources on a stale build, which hides a broken
 * build).
 */
export default async function setup(): Promise<void> {
  findTool('kubectl');
  findTool('helm');
  await buildCli();
}
