import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { ApiError, type Obj } from '../../contracts.ts';

/**
 * Reads the protobuf bodies (`k8s\0` + runtime.Unknown) that client-go's typed clients send for
 * built-in kinds, into the JSON the rest of the server works with. Field numbers, JSON names and
 * Go types come from the API's struct tags (see generate.ts); zero values of non-pointer
 * `omitempty` fields are dropped as Go's JSON encoding would.
 */
type Field = [json: string, type: string, omitempty: 0 | 1];
interface Descriptors { types: Record<string, Record<string, Field>>; aliases: Record<string, string> }

let descriptors: Descriptors | undefined;
function load(): Descriptors {
  descriptors ??= JSON.parse(gunzipSync(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'k8s-types.json.gz'))).toString('utf8')) as Descriptors;
  return descriptors;
}

const META = 'k8s.io/apimachinery/pkg/apis/meta/v1';
export const protobufMagic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer, readonly end = buf.length) {}
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new Error('truncated varint');
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

const signed = (v: bigint, bits: 32 | 64): number => Number(BigInt.asIntN(bits, v));

function fields(buf: Buffer): Array<{ num: number; wire: number; value: bigint | Buffer }> {
  const r = new Reader(buf);
  const out: Array<{ num: number; wire: number; value: bigint | Buffer }> = [];
  while (r.pos < r.end) {
    const key = Number(r.varint());
    const num = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ num, wire, value: r.varint() });
    else if (wire === 2) out.push({ num, wire, value: r.bytes() });
    else if (wire === 1) { out.push({ num, wire, value: r.buf.subarray(r.pos, r.pos + 8) }); r.pos += 8; }
    else r.skip(wire);
  }
  return out;
}

function resolve(type: string): string {
  const seen = new Set<string>();
  let t = type;
  while (load().aliases[t] && !load().types[t] && !seen.has(t)) { seen.add(t); t = load().aliases[t]!; }
  return t;
}

function time(buf: Buffer, micro: boolean): string | undefined {
  let seconds = 0;
  let nanos = 0;
  for (const f of fields(buf)) {
    if (f.num === 1) seconds = signed(f.value as bigint, 64);
    if (f.num === 2) nanos = signed(f.value as bigint, 32);
  }
  if (seconds === 0 && nanos === 0) return undefined;
  const iso = new Date(seconds * 1000).toISOString();
  return micro ? iso.replace(/\.\d{3}Z$/, `.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`) : iso.replace(/\.\d{3}Z$/, 'Z');
}

function scalar(type: string, value: bigint | Buffer): unknown {
  if (type === 'string') return (value as Buffer).toString('utf8');
  if (type === 'bool') return value !== 0n;
  if (type === 'int32') return signed(value as bigint, 32);
  if (type === 'int64' || type === 'int') return signed(value as bigint, 64);
  if (type === 'uint32' || type === 'uint64' || type === 'byte') return Number(value as bigint);
  if (type === 'float64') return (value as Buffer).readDoubleLE(0);
  return undefined;
}

function value(type: string, raw: bigint | Buffer): unknown {
  const t = resolve(type.replace(/^\*/, ''));
  if (t === '[]byte') return (raw as Buffer).toString('base64');
  if (t === `${META}.Time`) return time(raw as Buffer, false) ?? null;
  if (t === `${META}.MicroTime`) return time(raw as Buffer, true) ?? null;
  if (t === 'k8s.io/apimachinery/pkg/api/resource.Quantity') return fields(raw as Buffer).find((f) => f.num === 1)?.value.toString() ?? '0';
  if (t === `${META}.Duration`) return `${Number(fields(raw as Buffer).find((f) => f.num === 1)?.value ?? 0n) / 1e9}s`;
  if (t === 'k8s.io/apimachinery/pkg/util/intstr.IntOrString') {
    const fs = fields(raw as Buffer);
    const kind = Number(fs.find((f) => f.num === 1)?.value ?? 0n);
    return kind === 1 ? (fs.find((f) => f.num === 3)?.value as Buffer | undefined)?.toString('utf8') ?? '' : signed((fs.find((f) => f.num === 2)?.value as bigint | undefined) ?? 0n, 32);
  }
  if (t === 'k8s.io/apimachinery/pkg/runtime.RawExtension' || t === `${META}.FieldsV1`) {
    const bytes = fields(raw as Buffer).find((f) => f.num === 1)?.value as Buffer | undefined;
    return bytes && bytes.length ? JSON.parse(bytes.toString('utf8')) as unknown : {};
  }
  if (load().types[t]) return message(raw as Buffer, t);
  return scalar(t, raw);
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false || v === null || v === undefined;
}

function message(buf: Buffer, typeName: string): Obj {
  const desc = load().types[typeName];
  if (!desc) throw new Error(`no protobuf descriptor for ${typeName}`);
  const out: Obj = {};
  const declared = new Map<string, Field>();
  for (const f of fields(buf)) {
    const field = desc[String(f.num)];
    if (!field) continue;
    const [json, rawType] = field;
    const type = resolve(rawType);
    if (json === '-') continue;
    if (type.startsWith('[]') && type !== '[]byte') {
      const item = type.slice(2);
      const list = (out[json] ??= []) as unknown[];
      if (f.wire === 2 && ['int32', 'int64', 'bool', 'uint64', 'int'].includes(resolve(item))) {
        const r = new Reader(f.value as Buffer);
        while (r.pos < r.end) list.push(scalar(resolve(item), r.varint()));
      } else list.push(value(item, f.value));
    } else if (type.startsWith('map[')) {
      const [, keyType, valueType] = type.match(/^map\[([^\]]+)\](.*)$/)!;
      const entry = fields(f.value as Buffer);
      const k = entry.find((e) => e.num === 1);
      const v = entry.find((e) => e.num === 2);
      const map = (out[json] ??= {}) as Obj;
      map[String(k ? value(keyType!, k.value) : '')] = v ? value(valueType!, v.value) : resolve(valueType!) === 'string' ? '' : null;
    } else if (json === '') Object.assign(out, value(type, f.value) as Obj);
    else {
      out[json] = value(rawType, f.value);
      declared.set(json, field);
    }
  }
  for (const [json, [, type, omitempty]] of declared) {
    if ((omitempty && !type.startsWith('*') && isZero(out[json])) || out[json] === null) delete out[json];
  }
  return out;
}

/** Group and version → the Go package of its types (core is k8s.io/api/core/v1). */
function packageFor(apiVersion: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === 'meta.k8s.io') return META;
  return `k8s.io/api/${group ? group!.split('.')[0] : 'core'}/${version}`;
}

/** Decodes a `k8s\0`-framed protobuf body into a JSON object; 415 when the kind is unknown. */
export function decodeProtobuf(body: Buffer): Obj {
  if (!body.subarray(0, 4).equals(protobufMagic)) throw new ApiError(400, 'BadRequest', 'the body of the request was in an unknown format: missing protobuf magic');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer | undefined;
  for (const f of fields(body.subarray(4))) {
    if (f.num === 1) for (const tm of fields(f.value as Buffer)) {
      if (tm.num === 1) apiVersion = (tm.value as Buffer).toString('utf8');
      if (tm.num === 2) kind = (tm.value as Buffer).toString('utf8');
    }
    if (f.num === 2) raw = f.value as Buffer;
  }
  const candidates = [`${packageFor(apiVersion)}.${kind}`, `${META}.${kind}`];
  const type = candidates.find((c) => load().types[c]);
  if (!type || !raw) throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (no protobuf schema for ${apiVersion}, Kind=${kind})`);
  return { apiVersion, kind, ...message(raw, type) };
}
