import { DriftlessError } from '../core/errors.ts';

/** Segments of a field path: map keys and array indexes. */
export type FieldPath = readonly (string | number)[];

/** One problem found in a config file or an imported Argo CD file. */
export interface ConfigIssue {
  file: string;
  line: number | undefined;
  /** Field path as the user reads it, e.g. apps[0].namespace ('' for the whole file). */
  field: string;
  message: string;
}

/** apps[0].namespace, repositories["my.repo"].git */
export function formatField(path: FieldPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

export function formatIssue(issue: ConfigIssue): string {
  const at = issue.line !== undefined ? `${issue.file}:${issue.line}` : issue.file;
  return issue.field ? `${at}: ${issue.field}: ${issue.message}` : `${at}: ${issue.message}`;
}

/** One CONFIG_INVALID error listing every issue, so a user fixes them all in one round. */
export function configInvalid(file: string, issues: ConfigIssue[]): DriftlessError {
  const sorted = [...issues].sort((a, b) => (a.file === b.file ? (a.line ?? 0) - (b.line ?? 0) : a.file < b.file ? -1 : 1));
  const count = sorted.length === 1 ? '1 error' : `${sorted.length} errors`;
  const message = `${file} is not valid (${count}):\n${sorted.map((issue) => `  - ${formatIssue(issue)}`).join('\n')}`;
  const first = sorted[0];
  return new DriftlessError('CONFIG_INVALID', message, {
    file: first?.file ?? file,
    line: first?.line,
    field: first?.field,
    errors: sorted.map((issue) => ({ file: issue.file, line: issue.line, field: issue.field, message: issue.message })),
  });
}

/** Edit distance counting a swap of neighbours as one edit (typos like 'gti' for 'git'). */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) => Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[x.length]![y.length]!;
}

/** The closest candidate within a small edit distance, for "did you mean" hints. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  for (const candidate of candidates) {
    const d = distance(word, candidate);
    if (d < bestDistance && d <= limit) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** "(defined: a, b)" or "(none is defined)" */
export function definedList(names: string[]): string {
  return names.length > 0 ? `(defined: ${names.join(', ')})` : '(none is defined)';
}
