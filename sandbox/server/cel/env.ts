import { Environment, EvaluationError, type ASTNode } from '@marcbachmann/cel-js';
import { authorizerType, registerAuthz } from './authz.ts';
import { registerKubernetesLibraries } from './ext.ts';

/**
 * The CEL environments of the API server (apiserver/pkg/cel/environment, admission/plugin/cel,
 * apiextensions schema/cel) on cel-js: expressions compile once (cached), and failures read as
 * cel-go's: `compilation failed: ERROR: <input>:1:1: undeclared reference to 'foo' (in container '')`
 * with the source line and a `.…^` marker; runtime failures as `no such key: spec`.
 */

export type Variables = readonly string[];

/** A compiled expression; `run` throws a CelEvalError. */
export interface Program {
  expression: string;
  run(vars: Record<string, unknown>): unknown;
  /** The checked result type (`bool`, `string`, `dyn`, …). */
  type: string;
  ast: ASTNode;
}

export class CelCompileError extends Error {}
export class CelEvalError extends Error {}

const builtins = new Set(['has', 'all', 'exists', 'exists_one', 'map', 'filter', 'size', 'int', 'uint', 'double', 'string', 'bytes', 'bool', 'dyn', 'type', 'matches', 'contains', 'startsWith', 'endsWith', 'timestamp', 'duration']);

interface Compiler { env: Environment; cache: Map<string, Program | CelCompileError>; functions: Set<string> }
const compilers = new Map<string, Compiler>();

function compilerFor(vars: Variables): Compiler {
  const key = vars.join(',');
  let c = compilers.get(key);
  if (!c) {
    const env = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: false });
    registerKubernetesLibraries(env);
    registerAuthz(env);
    // `name?` declares an optional (CRD rules' oldSelf under optionalOldSelf).
    for (const v of vars) env.registerVariable(v.replace(/\?$/, ''), v === 'authorizer' ? authorizerType : v.endsWith('?') ? 'optional<dyn>' : 'dyn');
    const functions = new Set(builtins);
    for (const f of env.getDefinitions().functions) functions.add(f.name.split('.').pop() ?? f.name);
    c = { env, cache: new Map(), functions };
    compilers.set(key, c);
  }
  return c;
}

/** cel-go's issue format: `ERROR: <input>:L:C: msg` with the line and a dotted marker under the column. */
export function issue(expression: string, offset: number | undefined, message: string): string {
  const at = Math.max(0, Math.min(offset ?? 0, expression.length));
  const before = expression.slice(0, at);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const col = at - lineStart;
  const text = expression.split('\n')[line - 1] ?? '';
  return `ERROR: <input>:${line}:${col + 1}: ${message}\n | ${text}\n | ${'.'.repeat(col)}^`;
}

/** cel-go places a call's issues at its opening parenthesis, cel-js at the call's start. */
function callOffset(expression: string, start: number | undefined, summary: string): number | undefined {
  const name = /^found no matching overload for '(?:[^'(]*?\.)?(\w+)\(/.exec(summary)?.[1];
  if (!name || start === undefined) return start;
  const m = new RegExp(`\\b${name}\\s*\\(`).exec(expression.slice(start));
  return m ? start + m.index + m[0].length - 1 : start;
}

/** cel-js's wording of a check failure turned into cel-go's. */
function checkMessage(summary: string, functions: Set<string>): string {
  const overload = /^found no matching overload for '(?:([^'(]*?)\.)?([\w]+)\((.*)\)'$/.exec(summary);
  if (overload) {
    const [, receiver, name, args] = overload as unknown as [string, string | undefined, string, string];
    if (!functions.has(name)) return `undeclared reference to '${name}' (in container '')`;
    return `found no matching overload for '${name}' applied to '${receiver ? `${receiver}.` : ''}(${args})'`;
  }
  const variable = /^Unknown variable: (\S+)$/.exec(summary);
  if (variable) return `undeclared reference to '${variable[1]}' (in container '')`;
  return summary.replace(/^Unexpected token/, 'Syntax error: unexpected token');
}

/**
 * Compiles (parses and type-checks) an expression over the given variables; throws a
 * CelCompileError whose message is cel-go's `compilation failed: …`.
 */
export function compile(expression: string, vars: Variables): Program {
  const c = compilerFor(vars);
  const cached = c.cache.get(expression);
  if (cached instanceof CelCompileError) throw cached;
  if (cached) return cached;
  let result: Program | CelCompileError;
  try {
    const checked = c.env.check(expression);
    if (!checked.valid) {
      const err = checked.error!;
      result = new CelCompileError(`compilation failed: ${issue(expression, callOffset(expression, err.range?.start, err.summary), checkMessage(err.summary, c.functions))}`);
    } else {
      const parsed = c.env.parse(expression);
      result = { expression, type: checked.type ?? 'dyn', ast: parsed.ast, run: (vars) => runParsed(parsed, vars) };
    }
  } catch (err) {
    const e = err as { summary?: string; range?: { start: number }; message: string };
    const summary = e.summary ?? e.message;
    result = new CelCompileError(`compilation failed: ${issue(expression, callOffset(expression, e.range?.start, summary), checkMessage(summary, c.functions))}`);
  }
  if (c.cache.size > 2000) c.cache.clear();
  c.cache.set(expression, result);
  if (result instanceof CelCompileError) throw result;
  return result;
}

function runParsed(parsed: (ctx: Record<string, unknown>) => unknown, vars: Record<string, unknown>): unknown {
  try {
    return parsed(vars);
  } catch (err) {
    const summary = err instanceof EvaluationError ? err.summary : (err as Error).message;
    throw new CelEvalError(runtimeMessage(summary));
  }
}

/** cel-js's runtime wording turned into cel-go's (`no such key: spec`, `no such overload`). */
function runtimeMessage(summary: string): string {
  if (/^No such key: /.test(summary)) return summary.replace(/^No such key/, 'no such key');
  if (/^(found )?no (matching|such) overload/.test(summary)) return 'no such overload';
  return summary;
}

/** JSON as CEL sees it: whole numbers are ints (BigInt), other numbers doubles. */
export function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toCel(v);
    return out;
  }
  return value;
}
