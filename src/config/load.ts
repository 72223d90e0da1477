import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { escapePath, globSync, isDynamicPattern } from 'tinyglobby';
import { DriftlessError } from '../core/errors.ts';
import type { DriftlessConfig } from './types.ts';
import type { ArgoCDFile } from './argocd.ts';
import { parseConfig } from './parse.ts';
import { DEFAULT_CONFIG_FILE } from './defaults.ts';

export { DEFAULT_CONFIG_FILE };

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** Reads the files a fromArgoCD path or glob matches, in a stable order; a folder means its YAML files, recursively. */
export function readArgoCDFiles(pattern: string, baseDir: string): ArgoCDFile[] {
  const glob = !isDynamicPattern(pattern) && isDirectory(path.resolve(baseDir, pattern)) ? `${escapePath(pattern.replace(/\/+$/, ''))}/**/*.{yaml,yml}` : pattern;
  const files = globSync(glob, { cwd: baseDir, absolute: true, onlyFiles: true, expandDirectories: false }).sort();
  return files.map((file) => ({ file: path.resolve(file), text: readFileSync(file, 'utf8') }));
}

/**
 * Reads, validates and defaults a driftless.yaml (and the Argo CD files it imports).
 * Throws CONFIG_NOT_FOUND when the file is missing, CONFIG_INVALID listing every problem otherwise.
 */
export async function loadConfig(file: string, options: { cwd?: string } = {}): Promise<DriftlessConfig> {
  const cwd = options.cwd ?? process.cwd();
  const absolute = path.resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new DriftlessError(
        'CONFIG_NOT_FOUND',
        `config file ${file} not found (looked at ${absolute}): create ${DEFAULT_CONFIG_FILE} in the current folder, or pass --config FILE (run \`driftless schema\` for the format)`,
        { file },
      );
    }
    if (code === 'EISDIR') {
      throw new DriftlessError('CONFIG_NOT_FOUND', `config file ${file} is a folder: pass the file, e.g. --config ${path.join(file, DEFAULT_CONFIG_FILE)}`, { file });
    }
    throw new DriftlessError('CONFIG_INVALID', `cannot read config file ${file}: ${(err as Error).message}`, { file }, { cause: err });
  }
  return parseConfig(text, file, { cwd, readArgoCD: readArgoCDFiles });
}
