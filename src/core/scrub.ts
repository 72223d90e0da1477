import { DriftlessError } from './errors.ts';

/** What replaces a secret value in any text driftless keeps, returns, logs or reports. */
export const REDACTED = '<redacted>';

/**
 * Values this long or longer are masked wherever they occur. Shorter ones (a PIN, "on") are masked
 * only as whole tokens: masking every "no" inside every word would make messages unreadable while
 * hiding nothing an attacker could not guess anyway.
 */
const MIN_SUBSTRING = 4;
/** Lines of a multi-line value (a key file) are masked on their own from this length: tools print them one by one. */
const MIN_LINE = 8;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** kustomize dumps YAML node contents in its errors ("...: node contents:\n<yaml>"): the YAML may be a Secret. */
const NODE_CONTENTS = /node contents:[\s\S]*$/;

function base64Forms(value: string): string[] {
  const std = Buffer.from(value, 'utf8').toString('base64');
  const unpadded = std.replace(/=+$/, '');
  const url = unpadded.replace(/\+/g, '-').replace(/\//g, '_');
  return [std, unpadded, url];
}

/**
 * Masks the values of Secrets a render read, in text that came from tools and servers (kustomize
 * and API server errors quote values back). Pure and in-memory: built per render, never stored or
 * serialised (it holds the very values it hides).
 */
export class Scrubber {
  /**
   * Long forms by their first MIN_SUBSTRING characters, longest first: one pass over the text
   * finds them whatever their number (a namespace's thousand Secrets would make one alternation
   * regex take seconds to compile).
   */
  readonly #long = new Map<string, string[]>();
  readonly #known = new Set<string>();
  #unsorted = new Set<string[]>();
  readonly #short = new Set<string>();
  #count = 0;
  #shortPattern: RegExp | undefined;
  #shortDirty = false;

  /** Adds a secret value as the render read it: itself, its JSON-escaped form, and its base64 forms. */
  add(value: string): void {
    if (value === '') return;
    const forms = [value, JSON.stringify(value).slice(1, -1), ...base64Forms(value)];
    if (value.includes('\n')) forms.push(...value.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length >= MIN_LINE));
    for (const form of forms) this.#addForm(form);
  }

  /**
   * Adds a Secret `data` value (base64 as written in the manifest, maybe malformed): the raw string,
   * and what it decodes to when it is base64.
   */
  addEncoded(encoded: string): void {
    this.#addForm(encoded.trim());
    const compact = encoded.replace(/\s+/g, '');
    if (compact !== '' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(compact)) {
      const decoded = Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64').toString('utf8');
      if (!decoded.includes('\uFFFD')) this.add(decoded);
    }
  }

  /** Adds a whole file's bytes (a generator input): its text when it is UTF-8, and its base64 forms. */
  addBytes(bytes: Uint8Array): void {
    const text = Buffer.from(bytes).toString('utf8');
    if (!text.includes('\uFFFD')) {
      this.add(text);
      this.add(text.trim());
    }
    const std = Buffer.from(bytes).toString('base64');
    for (const form of [std, std.replace(/=+$/, ''), Buffer.from(bytes).toString('base64url')]) this.#addForm(form);
  }

  /** Takes every value another scrubber knows. */
  absorb(other: Scrubber | undefined): void {
    if (!other || other === this) return;
    for (const form of other.#known) this.#addForm(form);
    for (const form of other.#short) this.#addForm(form);
  }

  get size(): number {
    return this.#count;
  }

  #addForm(form: string): void {
    // Whitespace is no secret, and masking it would mangle every message.
    if (form.trim() === '') return;
    if (form.length < MIN_SUBSTRING) {
      if (this.#short.has(form)) return;
      this.#short.add(form);
      this.#shortDirty = true;
      this.#count++;
      return;
    }
    if (this.#known.has(form)) return;
    this.#known.add(form);
    const key = form.slice(0, MIN_SUBSTRING);
    const bucket = this.#long.get(key) ?? [];
    bucket.push(form);
    this.#long.set(key, bucket);
    this.#unsorted.add(bucket);
    this.#count++;
  }

  #shortRegex(): RegExp | undefined {
    if (!this.#shortDirty) return this.#shortPattern;
    this.#shortDirty = false;
    const short = [...this.#short].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.#shortPattern = short.length > 0 ? new RegExp(`(?<![A-Za-z0-9_+/=-])(?:${short.join('|')})(?![A-Za-z0-9_+/=-])`, 'g') : undefined;
    return this.#shortPattern;
  }

  #maskLong(text: string): string {
    if (this.#long.size === 0) return text;
    // Longest first, so that a value is masked whole before a shorter one inside it is.
    for (const bucket of this.#unsorted) bucket.sort((a, b) => b.length - a.length);
    this.#unsorted = new Set();
    let out = '';
    let copied = 0;
    for (let i = 0; i <= text.length - MIN_SUBSTRING; ) {
      const hit = this.#long.get(text.slice(i, i + MIN_SUBSTRING))?.find((form) => text.startsWith(form, i));
      if (!hit) {
        i++;
        continue;
      }
      out += text.slice(copied, i) + REDACTED;
      i += hit.length;
      copied = i;
    }
    return copied === 0 ? text : out + text.slice(copied);
  }

  /** The text with every known value replaced by REDACTED and kustomize's node dumps dropped. */
  scrub(text: string): string {
    const dropped = this.#maskLong(text.replace(NODE_CONTENTS, `node contents: ${REDACTED}`));
    const short = this.#shortRegex();
    return short ? dropped.replace(short, REDACTED) : dropped;
  }

  /** A JSON-like value with every string scrubbed (error details, failures lists). */
  scrubValue<T>(value: T): T {
    if (typeof value === 'string') return this.scrub(value) as T;
    if (Array.isArray(value)) return value.map((item: unknown) => this.scrubValue(item)) as T;
    if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.scrubValue(item)])) as T;
    }
    return value;
  }

  /**
   * The error with message and details scrubbed. A DriftlessError keeps its code and details; its
   * cause is dropped (it may hold the tool's raw output). Other errors become plain Errors with a
   * scrubbed message (no stack: it repeats the message).
   */
  scrubError(err: unknown): unknown {
    if (err instanceof DriftlessError) {
      const clean = new DriftlessError(err.code, this.scrub(err.message), this.scrubValue({ ...err.details }));
      attachScrubber(clean, scrubberOf(err) ?? this);
      return clean;
    }
    if (err instanceof Error) {
      const clean = new Error(this.scrub(err.message));
      clean.stack = `${clean.name}: ${clean.message}`;
      return clean;
    }
    return typeof err === 'string' ? this.scrub(err) : err;
  }
}

// Kept beside errors, never in them: a scrubber in `details` would be serialised with its values.
const attached = new WeakMap<object, Scrubber>();

/** Lets a later step (sync) mask more text with the values a failed render read. */
export function attachScrubber(err: unknown, scrubber: Scrubber): void {
  if (err !== null && typeof err === 'object') attached.set(err, scrubber);
}

export function scrubberOf(err: unknown): Scrubber | undefined {
  return err !== null && typeof err === 'object' ? attached.get(err) : undefined;
}
