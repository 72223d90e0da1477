// Query parameters as the real server converts them (apimachinery runtime/conversion.go and
// meta/v1/validation): booleans, dryRun and fieldValidation.
import type { StatusCause } from '../contracts.ts';

/**
 * Convert_Slice_string_To_bool: a parameter given at all is true unless its (first) value is
 * `0` or `false` in any case; the empty value is true too.
 */
export function queryBool(params: URLSearchParams, name: string): boolean {
  const v = params.get(name);
  if (v === null) return false;
  const lower = v.toLowerCase();
  return lower !== '0' && lower !== 'false';
}

/** ValidateDryRun: only `All`; the value is printed as Go prints a []string. */
export function dryRunCauses(dryRun: string[]): StatusCause[] {
  if (dryRun.every((d) => d === 'All')) return [];
  const value = `[]string{${dryRun.map((d) => JSON.stringify(d)).join(', ')}}`;
  return [{ reason: 'FieldValueNotSupported', message: `Unsupported value: ${value}: supported values: "All"`, field: 'dryRun' }];
}

/** ValidateFieldValidation: "", Ignore, Strict or Warn (undefined: not given). */
export function fieldValidationCauses(fv: string | undefined): StatusCause[] {
  if (fv === undefined || ['', 'Ignore', 'Strict', 'Warn'].includes(fv)) return [];
  return [{ reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(fv)}: supported values: "", "Ignore", "Strict", "Warn"`, field: 'fieldValidation' }];
}
