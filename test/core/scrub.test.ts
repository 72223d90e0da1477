import { describe, expect, it } from 'vitest';
import { DriftlessError } from '../../src/core/errors.ts';
import { REDACTED, Scrubber, scrubberOf } from '../../src/core/scrub.ts';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('Scrubber', () => {
  it('masks a value, its standard, unpadded and URL-safe base64, and its JSON-escaped form', () => {
    const s = new Scrubber();
    const value = 'p?ss>wörd~~"x"';
    s.add(value);
    const std = b64(value);
    const url = Buffer.from(value).toString('base64url');
    expect(std).not.toBe(url);
    const text = `a ${value} b ${std} c ${url} d ${JSON.stringify(value)}`;
    const out = s.scrub(text);
    for (const form of [value, std, url, std.replace(/=+$/, ''), JSON.stringify(value).slice(1, -1)]) expect(out).not.toContain(form);
    expect(out).toContain(REDACTED);
  });

  it('masks a data value as written (even malformed base64) and what it decodes to', () => {
    const s = new Scrubber();
    s.addEncoded(b64('hunter2-secret'));
    s.addEncoded('not*base64!!');
    expect(s.scrub('got hunter2-secret and not*base64!! back')).toBe(`got ${REDACTED} and ${REDACTED} back`);
  });

  it('masks short values only as whole tokens, so messages stay readable', () => {
    const s = new Scrubber();
    s.add('ab1');
    expect(s.scrub('value "ab1" rejected; cab12 kept')).toBe(`value "${REDACTED}" rejected; cab12 kept`);
  });

  it('masks each long line of a multi-line value (a key printed line by line)', () => {
    const s = new Scrubber();
    s.add('-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEF\n-----END KEY-----');
    expect(s.scrub('bad: MIIEvQIBADANBgkqhkiG9w0BAQEF')).toBe(`bad: ${REDACTED}`);
  });

  it("drops kustomize's node contents dumps even when no value is known", () => {
    expect(new Scrubber().scrub('wrong node kind: node contents:\npassword: c2VjcmV0\n')).toBe(`wrong node kind: node contents: ${REDACTED}`);
  });

  it('scrubs an error: code kept, message and details masked, cause dropped, scrubber attached', () => {
    const s = new Scrubber();
    s.add('topsecretvalue');
    const err = new DriftlessError('APPLY_FAILED', 'bad topsecretvalue', { file: 'a.yaml', failures: [{ message: 'x topsecretvalue' }] }, { cause: new Error('topsecretvalue') });
    const clean = s.scrubError(err) as DriftlessError;
    expect(clean.code).toBe('APPLY_FAILED');
    expect(JSON.stringify(clean)).not.toContain('topsecretvalue');
    expect(clean.cause).toBeUndefined();
    expect(scrubberOf(clean)).toBe(s);
    // the scrubber itself never serialises with the error
    expect(JSON.stringify(clean.toJSON())).not.toContain('Scrubber');
  });

  it('masks the longest known value first, and stays fast with thousands of values', () => {
    const s = new Scrubber();
    s.add('abcdef');
    s.add('abcdefgh');
    expect(s.scrub('[abcdefgh] [abcdef]')).toBe(`[${REDACTED}] [${REDACTED}]`);
    for (let i = 0; i < 3000; i++) s.add(`password-${i}-x`);
    const started = Date.now();
    for (let i = 0; i < 1000; i++) expect(s.scrub(`applied password-${i}-x and more text`)).toBe(`applied ${REDACTED} and more text`);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('absorbs another scrubber', () => {
    const a = new Scrubber();
    const b = new Scrubber();
    b.add('from-the-render');
    a.absorb(b);
    expect(a.scrub('x from-the-render')).toBe(`x ${REDACTED}`);
  });
});
