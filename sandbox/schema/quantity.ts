// resource.ParseQuantity's refusals (k8s.io/apimachinery/pkg/api/resource/quantity.go), the
// errors a Quantity field's UnmarshalJSON returns.

const splitRE = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
const split = new RegExp(splitRE);
export const quantityFormatWrong = `quantities must match the regular expression '${splitRE}'`;
const suffixes = new Set(['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E']);

/** Undefined when `s` parses as a quantity (`500m`, `1Gi`, `1e3`), otherwise ParseQuantity's error. */
export function quantityError(s: string): string | undefined {
  const m = split.exec(s);
  if (!m) return quantityFormatWrong;
  const [, num, suffix] = m as unknown as [string, string, string];
  if ((num.match(/\./g) ?? []).length > 1 || !/[0-9]/.test(num)) return 'unable to parse numeric part of quantity';
  if (!suffixes.has(suffix) && !/^[eE][-+]?[0-9]+$/.test(suffix)) return "unable to parse quantity's suffix";
  return undefined;
}

const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimal: Record<string, number> = { '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A quantity's value as a float (precise enough to compare requests with limits). */
export function quantityValue(s: string): number | undefined {
  const t = s.trim();
  if (quantityError(t)) return undefined;
  const [, num, suffix] = split.exec(t) as unknown as [string, string, string];
  const n = Number(num);
  if (suffix in binary) return n * binary[suffix]!;
  if (suffix in decimal) return n * decimal[suffix]!;
  return n * 10 ** Number(suffix.slice(1));
}

/** A parsed quantity: its value in thousandths and whether it was written with a binary suffix. */
export interface Quantity { milli: number; binary: boolean }

export function parseQuantity(s: unknown): Quantity | undefined {
  const t = typeof s === 'number' ? String(s) : typeof s === 'string' ? s.trim() : undefined;
  if (t === undefined) return undefined;
  const v = quantityValue(t);
  if (v === undefined) return undefined;
  return { milli: Math.round(v * 1000), binary: /[KMGTPE]i$/.test(t) };
}

const binarySuffixes: Array<[string, number]> = [['Ei', 2 ** 60], ['Pi', 2 ** 50], ['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]];
const decimalSuffixes: Array<[string, number]> = [['E', 1e18], ['P', 1e15], ['T', 1e12], ['G', 1e9], ['M', 1e6], ['k', 1e3]];

/**
 * Quantity.String(): the canonical form. Binary quantities of whole bytes (1024 or more) take the
 * largest suffix that divides them (`1024Mi` → `1Gi`); everything else is decimal with the largest
 * suffix that keeps the number whole (`1000m` → `1`, `0.5` → `500m`, `2000` → `2k`).
 */
export function formatQuantity(q: Quantity): string {
  const { milli } = q;
  if (milli === 0) return '0';
  const sign = milli < 0 ? '-' : '';
  const abs = Math.abs(milli);
  if (abs % 1000 !== 0) return `${sign}${abs}m`;
  const units = abs / 1000;
  if (q.binary && units >= 1024) {
    for (const [suffix, size] of binarySuffixes) if (units % size === 0) return `${sign}${units / size}${suffix}`;
    return `${sign}${units}`;
  }
  for (const [suffix, size] of decimalSuffixes) if (units % size === 0) return `${sign}${units / size}${suffix}`;
  return `${sign}${units}`;
}
