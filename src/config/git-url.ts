/**
 * The one contract of a `git:` repository: a local path, never a URL. The sentence below is the
 * schema's description of the field, and the types, the error and the README say the same.
 */
export const GIT_REPOSITORY_CONTRACT =
  "A local git repository: a path on this machine, relative to this file's folder, at the repository's top level; read at a commit, without a working tree checkout. URLs are refused: use github: for GitHub, or clone elsewhere and point git: at the clone.";

/**
 * Whether git would take `value` as a remote URL rather than a local path, by git's own rule
 * (transport.c url_is_local_not_ssh): `scheme://…`, or a `:` before any `/` (scp-like
 * `host:path` and `user@host:path`). `./a:b` and `/srv/x` are paths.
 */
export function isGitUrl(value: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return true;
  const colon = value.indexOf(':');
  if (colon < 0) return false;
  const slash = value.indexOf('/');
  return slash < 0 || colon < slash;
}

/** The message refusing a URL in `git:`, for the config check and the source factory alike. */
export function gitUrlRefused(value: string): string {
  return `'${value}' is a URL, and git: takes a local path: use github: {owner, repo} for a GitHub repository, or clone it and point git: at the clone`;
}
