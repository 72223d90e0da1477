import { describe, expect, it } from 'vitest';
import { CelCompileError, compile, toCel } from '../../../../sandbox/server/cel/env.ts';

const run = (expression: string, self: unknown = null): unknown => compile(expression, ['self', 'oldSelf']).run({ self: toCel(self), oldSelf: null });
const compileError = (expression: string): string => {
  try {
    compile(expression, ['self']);
  } catch (err) {
    expect(err).toBeInstanceOf(CelCompileError);
    return (err as Error).message;
  }
  throw new Error(`${expression} compiled`);
};

describe('CEL environment', () => {
  it('core CEL: macros, has(), optionals, JSON numbers as ints and doubles', () => {
    const obj = { spec: { replicas: 3, ratio: 0.5, containers: [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'y:2' }] }, metadata: { labels: { app: 'web' } } };
    expect(run('self.spec.replicas == 3 && self.spec.ratio < 1.0', obj)).toBe(true);
    expect(run('self.spec.containers.all(c, c.image.contains(":"))', obj)).toBe(true);
    expect(run('self.spec.containers.exists_one(c, c.name == "a")', obj)).toBe(true);
    expect(run('self.spec.containers.map(c, c.name)', obj)).toEqual(['a', 'b']);
    expect(run('self.spec.containers.filter(c, c.name != "a").size()', obj)).toBe(1n);
    expect(run('has(self.spec.missing)', obj)).toBe(false);
    expect(run('self.?spec.?missing.orValue("dflt")', obj)).toBe('dflt');
    expect(run('"app" in self.metadata.labels', obj)).toBe(true);
  });

  it('runtime errors read as cel-go words them', () => {
    expect(() => run('self.spec.nope == 1', { spec: {} })).toThrow('no such key: nope');
    expect(() => run('self + 1', 'a')).toThrow('no such overload');
  });

  it('unsupported functions and variables are compile errors in the apiserver wording', () => {
    expect(compileError('self.distinct()')).toBe(`compilation failed: ERROR: <input>:1:14: undeclared reference to 'distinct' (in container '')\n | self.distinct()\n | .............^`);
    expect(compileError('authorizer.path("/healthz").check("get").allowed()')).toBe(`compilation failed: ERROR: <input>:1:1: undeclared reference to 'authorizer' (in container '')\n | authorizer.path("/healthz").check("get").allowed()\n | ^`);
    expect(compileError('1 +')).toMatch(/^compilation failed: ERROR: <input>:1:4: Syntax error: /);
    expect(compileError('"a".startsWith(1)')).toBe(`compilation failed: ERROR: <input>:1:15: found no matching overload for 'startsWith' applied to 'string.(int)'\n | "a".startsWith(1)\n | ..............^`);
  });
});
