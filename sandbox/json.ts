/**
 * Deep copies and comparisons of JSON-shaped values (what request bodies and stored objects are).
 * structuredClone serialises through V8's value serializer and costs several times a plain walk;
 * the sandbox copies objects on every write, so this is on the per-request path.
 */
type Plain = Record<string, unknown>;

/**
 * A deep copy of plain objects and arrays, keeping keys whose value is undefined (as
 * structuredClone does). Anything else that is an object (Date, Buffer, Map…) goes through
 * structuredClone, so the result never shares state with the input.
 */
export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneJson(value[i]);
    return out as T;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Plain = {};
  for (const key in value as Plain) {
    // A parsed "__proto__" key is an own property; assigning it would set the copy's prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: cloneJson((value as Plain)[key]), enumerable: true, writable: true, configurable: true });
    else out[key] = cloneJson((value as Plain)[key]);
  }
  return out as T;
}
