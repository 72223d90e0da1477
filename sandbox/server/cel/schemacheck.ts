import type { ASTNode } from '@marcbachmann/cel-js';
import type { Obj } from '../../contracts.ts';
import { isObj } from '../util.ts';
import { issue } from './env.ts';

/**
 * The part of cel-go's type check that CRD rules meet most: `self` is typed from the structural
 * schema, so selecting a field the schema does not declare is a compile error, `undefined field
 * 'x'`. Objects that preserve unknown fields, embedded resources, int-or-string values and the
 * resource root's apiVersion/kind/metadata stay dynamic.
 */

type Schema = Obj | 'dyn';

function isOpen(s: Obj): boolean {
  return s['x-kubernetes-preserve-unknown-fields'] === true || s['x-kubernetes-embedded-resource'] === true || s['x-kubernetes-int-or-string'] === true;
}

function field(s: Schema, name: string, root: boolean): Schema | undefined {
  if (s === 'dyn' || isOpen(s)) return 'dyn';
  if (root && (name === 'apiVersion' || name === 'kind' || name === 'metadata')) return 'dyn';
  const props = isObj(s.properties) ? s.properties : undefined;
  if (props && isObj(props[name])) return props[name] as Obj;
  if (isObj(s.additionalProperties)) return s.additionalProperties;
  if (s.additionalProperties === true || (!props && s.type !== 'object')) return 'dyn';
  return undefined;
}

function element(s: Schema): Schema {
  if (s === 'dyn' || isOpen(s)) return 'dyn';
  if (isObj(s.items)) return s.items;
  if (isObj(s.additionalProperties)) return s.additionalProperties;
  return 'dyn';
}

/** Issues (cel-go formatted) for fields the schema does not declare; empty when none. */
export function undefinedFields(expression: string, ast: ASTNode, schema: Obj, root: boolean): string[] {
  const issues: string[] = [];
  const resolve = (n: ASTNode, at?: number): Schema | undefined => {
    switch (n.op) {
      case 'id': return n.args === 'self' || n.args === 'oldSelf' ? schema : undefined;
      case '.': case '.?': {
        const [base, name] = n.args as [ASTNode, string];
        const s = resolve(base);
        if (s === undefined) return undefined;
        const found = field(s, name, s === schema && root);
        if (found === undefined) {
          // cel-go places a select at its dot (a has() macro at the macro's parenthesis).
          const dot = at ?? expression.lastIndexOf('.', (n as { pos?: number }).pos ?? 0);
          issues.push(issue(expression, dot, `undefined field '${name}'`));
        }
        return found;
      }
      case '[]': case '[?]': {
        const [base, index] = n.args as [ASTNode, ASTNode];
        walk(index);
        const s = resolve(base);
        return s === undefined ? undefined : element(s);
      }
      default:
        walk(n);
        return undefined;
    }
  };
  const walk = (n: ASTNode): void => {
    if (n.op === 'call' && (n.args as [string, ASTNode[]])[0] === 'has') {
      const start = (n as { pos?: number }).pos ?? 0;
      for (const a of (n.args as [string, ASTNode[]])[1]) resolve(a, expression.indexOf('(', start));
      return;
    }
    const args = (n as { args: unknown }).args;
    if (!Array.isArray(args)) return;
    for (const a of args) {
      if (Array.isArray(a)) for (const x of a) { if (isNode(x)) resolve(x); else if (Array.isArray(x)) x.filter(isNode).forEach((y) => resolve(y)); }
      else if (isNode(a)) resolve(a);
    }
  };
  resolve(ast);
  return issues;
}

function isNode(v: unknown): v is ASTNode {
  return typeof v === 'object' && v !== null && typeof (v as { op?: unknown }).op === 'string';
}
