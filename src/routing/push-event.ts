import { DriftlessError } from '../core/errors.ts';

/** The parts of a GitHub push payload driftless reads, validated. */
export interface PushCommit {
  id: string;
  added: string[];
  removed: string[];
  modified: string[];
}

export interface PushEvent {
  ref: string;
  before: string;
  after: string;
  created: boolean;
  deleted: boolean;
  forced: boolean;
  commits: PushCommit[];
  repository: { fullName: string; urls: string[] };
  sender?: string;
}

export const zeroSha = '0000000000000000000000000000000000000000';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function bad(field: string, what: string): DriftlessError {
  return new DriftlessError('BAD_REQUEST', `push payload: ${field} ${what}`, { field });
}

function str(obj: Json, key: string, field: string): string {
  const value = obj[key];
  if (typeof value !== 'string' || value === '') throw bad(field, 'must be a non-empty string');
  return value;
}

function bool(obj: Json, key: string, field: string, fallback: boolean): boolean {
  const value = obj[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw bad(field, 'must be a boolean');
  return value;
}

function paths(obj: Json, key: string, field: string): string[] {
  const value = obj[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((p) => typeof p !== 'string')) throw bad(field, 'must be an array of strings');
  return value as string[];
}

/** Validates a parsed push payload; BAD_REQUEST naming the field when one driftless reads is wrong. */
export function parsePushEvent(payload: unknown): PushEvent {
  if (!isObject(payload)) throw bad('(root)', 'must be a JSON object');
  const ref = str(payload, 'ref', 'ref');
  const before = str(payload, 'before', 'before');
  const after = str(payload, 'after', 'after');
  const repo = payload.repository;
  if (!isObject(repo)) throw bad('repository', 'must be an object');
  const fullName = str(repo, 'full_name', 'repository.full_name');
  const urls = ['clone_url', 'ssh_url', 'html_url', 'git_url', 'url'].map((k) => repo[k]).filter((u): u is string => typeof u === 'string');
  const rawCommits = payload.commits ?? [];
  if (!Array.isArray(rawCommits)) throw bad('commits', 'must be an array');
  const commits = rawCommits.map((c, i): PushCommit => {
    if (!isObject(c)) throw bad(`commits[${i}]`, 'must be an object');
    return {
      id: str(c, 'id', `commits[${i}].id`),
      added: paths(c, 'added', `commits[${i}].added`),
      removed: paths(c, 'removed', `commits[${i}].removed`),
      modified: paths(c, 'modified', `commits[${i}].modified`),
    };
  });
  const sender = isObject(payload.sender) && typeof payload.sender.login === 'string' ? payload.sender.login : undefined;
  return {
    ref, before, after, commits, sender,
    created: bool(payload, 'created', 'created', before === zeroSha),
    deleted: bool(payload, 'deleted', 'deleted', after === zeroSha),
    forced: bool(payload, 'forced', 'forced', false),
    repository: { fullName, urls },
  };
}

/** GitHub lists at most 2048 commits per push and at most 3000 files per commit. */
export const maxPushCommits = 2048;
export const maxCommitFiles = 3000;

/**
 * The changed paths when the payload tells them all; undefined when it may not (a list at a cap,
 * a forced push whose dropped commits are not listed, or no commits for a moved ref).
 */
export function completeChangedPaths(push: PushEvent): string[] | undefined {
  if (push.forced || push.commits.length === 0 || push.commits.length >= maxPushCommits) return undefined;
  const out = new Set<string>();
  for (const commit of push.commits) {
    const files = [...commit.added, ...commit.removed, ...commit.modified];
    if (files.length >= maxCommitFiles) return undefined;
    for (const file of files) out.add(file);
  }
  return [...out].sort();
}
