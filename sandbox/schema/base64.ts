// Where Go's base64.StdEncoding.Decode gives up on a string (encoding/base64 decodeQuantum), for
// `[]byte` fields such as Secret data: `illegal base64 data at input byte N`.

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const valid = new Set(alphabet);
const newline = (c: string | undefined): boolean => c === '\n' || c === '\r';

/** The CorruptInputError offset of `s` (counted in bytes), or undefined when it decodes. */
function corruptAt(src: Buffer): number | undefined {
  let si = 0;
  const at = (i: number): string => String.fromCharCode(src[i]!);
  while (si < src.length) {
    let j = 0;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return undefined;
        return si - j;
      }
      const c = at(si);
      si++;
      if (valid.has(c)) continue;
      if (newline(c)) { j--; continue; }
      if (c !== '=') return si - 1;
      // Padding: only in the third or fourth place, and nothing but newlines after it.
      if (j === 0 || j === 1) return si - 1;
      if (j === 2) {
        while (si < src.length && newline(at(si))) si++;
        if (si === src.length) return src.length;
        if (at(si) !== '=') return si - 1;
        si++;
      }
      while (si < src.length && newline(at(si))) si++;
      if (si < src.length) return si;
      return undefined;
    }
  }
  return undefined;
}

/** `illegal base64 data at input byte N`, or undefined for valid standard (padded) base64. */
export function base64Error(s: string): string | undefined {
  const at = corruptAt(Buffer.from(s, 'utf8'));
  return at === undefined ? undefined : `illegal base64 data at input byte ${at}`;
}
