/**
 * The Grafana dashboards, typechecked: `tsc` fails when either JSON file stops having the shape of
 * a `Dashboard` of @grafana/schema (the model Grafana imports). The JSON files are what users import.
 *
 * TypeScript widens a JSON file's strings and numbers ("datasource" → string), so the check is
 * against `Dashboard` with its literal unions and enums widened the same way; every other rule
 * (required fields, field names, nesting, value kinds) holds as written. test/infra/dashboards.test.ts
 * checks the widened fields' values (variable types, hide and refresh) against the schema's unions.
 */
import type { Dashboard } from '@grafana/schema';
import cloudwatch from './driftless-cloudwatch.json' with { type: 'json' };
import prometheus from './driftless-prometheus.json' with { type: 'json' };

/** `T` as a JSON import types it: string and number literal unions (and enums) widened. */
export type AsJson<T> = T extends string ? string
  : T extends number ? number
  : T extends boolean ? boolean
  : T extends ReadonlyArray<infer U> ? Array<AsJson<U>>
  : T extends object ? { [K in keyof T]: AsJson<T[K]> }
  : T;

export const prometheusDashboard: AsJson<Dashboard> = prometheus;
export const cloudwatchDashboard: AsJson<Dashboard> = cloudwatch;
