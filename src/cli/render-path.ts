/** The work of `driftless render`, loaded only when that command runs. */
import { realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { stringify } from 'yaml';
import { createFsTree } from '../adapters/fs-tree/fs-tree.ts';
import { gitTopLevel } from '../adapters/git-local/git.ts';
import { createKubectlKustomize } from '../adapters/kustomize/kubectl-kustomize.ts';
import { DriftlessError } from '../core/errors.ts';
import type { RenderResult } from '../ports/renderer.ts';
import { createRenderer } from '../render/renderer.ts';

export interface RenderOptions {
  root?: string;
  json?: boolean;
  allowRemote?: boolean;
}

function usage(message: string): DriftlessError {
  return new DriftlessError('BAD_REQUEST', message);
}

function existing(path: string, what: string): string {
  try {
    statSync(path);
    return realpathSync(path);
  } catch {
    throw usage(`${what} ${path} does not exist.`);
  }
}

/** The repository root no path may leave: --root, else the git top level, else the path itself. */
async function rootFor(target: string, explicit: string | undefined): Promise<string> {
  if (explicit) return existing(resolve(explicit), 'The root');
  const folder = statSync(target).isDirectory() ? target : dirname(target);
  const top = await gitTopLevel(folder);
  return top ? realpathSync(top) : folder;
}

/** kustomize's printing style (sorted keys, unindented lists), for plain YAML folders. */
export function printManifests(result: RenderResult): string {
  if (result.text !== undefined) return result.text;
  return result.manifests.map((m) => stringify(m.object, { version: '1.1', sortMapEntries: true, indentSeq: false, lineWidth: 0 })).join('---\n');
}

export async function renderPath(path: string, options: RenderOptions): Promise<RenderResult> {
  const target = existing(resolve(path), 'The path');
  const root = await rootFor(target, options.root);
  const inside = relative(root, target);
  if (inside.startsWith('..') || isAbsolute(inside)) throw usage(`${path} is outside the repository root ${root}; pass --root with a folder that holds it.`);
  const renderer = createRenderer({ kustomize: createKubectlKustomize() });
  return renderer.render({ tree: createFsTree(root), path: inside.split(sep).join('/'), allowRemote: options.allowRemote === true });
}
