import { describe, expect, it } from 'vitest';
import { CelEvalError, compile, toCel } from '../../../../sandbox/server/cel/env.ts';

const run = (expression: string, self: unknown = null): unknown => compile(expression, ['self']).run({ self: toCel(self) });

describe('Kubernetes CEL libraries', () => {
  it('strings: lowerAscii, upperAscii, split, join, replace, trim, indexOf, substring, charAt, reverse', () => {
    expect(run('"AbC".lowerAscii() + "x".upperAscii()')).toBe('abcX');
    expect(run('"a,b,c".split(",").join("-")')).toBe('a-b-c');
    expect(run('"aaa".replace("a", "b") + "aaa".replace("a", "b", 2)')).toBe('bbbbba');
    expect(run('"  x ".trim() + "hello".substring(1, 3) + "hello".charAt(4) + "abc".reverse()')).toBe('xelocba');
    expect(run('"hello".indexOf("l")')).toBe(2n);
    expect(run('"%s has %d replicas (%.2f%%), tags %s".format([self.name, self.n, 12.345, self.tags])', { name: 'web', n: 3, tags: ['a', 'b'] })).toBe('web has 3 replicas (12.35%), tags ["a", "b"]');
    expect(run('"%x %o %b %e".format([255, 8, 5, 1234.5])')).toBe('ff 10 101 1.234500e+03');
  });

  it('lists: isSorted, sum, min, max, indexOf, lastIndexOf', () => {
    expect(run('self.isSorted()', [1, 2, 2])).toBe(true);
    expect(run('self.isSorted()', ['b', 'a'])).toBe(false);
    expect(run('self.sum()', [1, 2, 3])).toBe(6n);
    expect(run('self.min() + self.max()', [4, 1, 9])).toBe(10n);
    expect(run('self.indexOf("b") + self.lastIndexOf("a")', ['a', 'b', 'a'])).toBe(3n);
    expect(() => run('self.max()', [])).toThrow(CelEvalError);
    expect(run('sets.contains([1, 2, 3], [3, 1]) && sets.equivalent([1, 2], [2, 1, 1]) && !sets.intersects(["a"], ["b"])')).toBe(true);
  });

  it('regex find/findAll, url, quantity, ip and cidr', () => {
    expect(run('"abc 123 def 456".find("[0-9]+")')).toBe('123');
    expect(run('"abc 123 def 456".findAll("[0-9]+")')).toEqual(['123', '456']);
    expect(run('"a1b2c3".findAll("[0-9]", 2)')).toEqual(['1', '2']);
    expect(run('url("https://example.com:8443/a/b?x=1&x=2").getHostname() + url("https://example.com:8443/a").getPort()')).toBe('example.com8443');
    expect(run('url("https://example.com/p?x=1&x=2").getQuery()["x"]')).toEqual(['1', '2']);
    expect(run('isURL("not a url")')).toBe(false);
    expect(run('quantity("500m").isLessThan(quantity("1")) && quantity("1Gi").compareTo(quantity("1024Mi")) == 0')).toBe(true);
    expect(run('quantity("2k").asInteger() + quantity("1").add(quantity("1")).asInteger()')).toBe(2002n);
    expect(run('isQuantity("1.5Gi") && !isQuantity("Gi")')).toBe(true);
    expect(() => run('quantity("1.5").asInteger()')).toThrow('cannot convert value to integer');
    expect(run('isIP("10.0.0.1") && ip("::1").family() == 6 && cidr("10.0.0.0/8").prefixLength() == 8 && !isCIDR("10.0.0.0/33")')).toBe(true);
  });

});
