// How the real server's JSON decoder (sigs.k8s.io/json, a fork of encoding/json) reads a body into
// a built-in Go type: which values fail to fit the types and with which message, and which
// fields it does not know (strict decoding). Only the first failure is reported, as Go does.
import type { SchemaNode } from '../contracts.ts';
import { base64Error } from './base64.ts';
import { quantityError } from './quantity.ts';

export interface DecodeResult {
  /** `json: cannot unmarshal …`, `quantities must match …`, `illegal base64 data …`: the decode failed. */
  error?: string;
  /** Unknown fields (`.spec.x`, `.spec.containers[0].y`), as strict decoding reports them. */
  unknown: string[];
}

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const int32 = { min: -2147483648, max: 2147483647 };

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `v1.PodTemplateSpec`: Go's package-qualified type name, from the OpenAPI component name. */
function refType(ref: string): string {
  const parts = ref.split('.');
  return parts.length >= 2 ? `${parts[parts.length - 2]}.${parts[parts.length - 1]}` : ref;
}

function shortName(ref: string): string {
  return ref.slice(ref.lastIndexOf('.') + 1);
}

/** The Go type a schema node stands for, as reflect.Type.String() prints it in UnmarshalTypeError. */
export function goType(node: SchemaNode): string {
  if (node.ref && (node.properties || !node.type || node.ref === QUANTITY || node.ref === INT_OR_STRING)) return refType(node.ref);
  switch (node.type) {
    case 'integer': return node.format === 'int32' ? 'int32' : 'int64';
    case 'number': return 'float64';
    case 'boolean': return 'bool';
    case 'string': return node.format === 'byte' ? '[]uint8' : 'string';
    case 'array': return `[]${node.items ? goType(node.items) : 'interface {}'}`;
    case 'object': return node.properties ? 'struct' : `map[string]${node.additional ? goType(node.additional) : 'interface {}'}`;
    default: return 'interface {}';
  }
}

/** What encoding/json calls a JSON value in `cannot unmarshal <what>`. */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  return 'string';
}

class Decoder {
  /** A failure that stops decoding (an UnmarshalJSON method's error). */
  abort?: string;
  /** The first saved error (type mismatches, bad base64): decoding goes on, this one is returned. */
  saved?: string;
  readonly unknown: string[] = [];
  /** Go's errorContext: the innermost struct and the struct field names from the root. */
  private struct = '';
  private readonly fields: string[] = [];
  /** The strict-decoding path, with list indices. */
  private readonly path: string[] = [];

  constructor(rootStruct: string) {
    this.struct = rootStruct;
  }

  private typeError(what: string, type: string): void {
    if (this.saved) return;
    this.saved = this.fields.length > 0
      ? `json: cannot unmarshal ${what} into Go struct field ${this.struct}.${this.fields.join('.')} of type ${type}`
      : `json: cannot unmarshal ${what} into Go value of type ${type}`;
  }

  value(v: unknown, node: SchemaNode): void {
    if (this.abort || v === null || v === undefined) return;
    if (node.ref === QUANTITY) {
      const raw = typeof v === 'string' ? v : JSON.stringify(v);
      const err = quantityError(raw.trim());
      if (err) this.abort = err;
      return;
    }
    if (node.ref === INT_OR_STRING || node.intOrString) {
      if (typeof v === 'string') return;
      if (typeof v === 'number' && Number.isInteger(v) && v >= int32.min && v <= int32.max) return;
      this.abort = `json: cannot unmarshal ${typeof v === 'number' ? `number ${String(v)}` : jsonKind(v)} into Go value of type int32`;
      return;
    }
    if (node.preserveUnknownFields && !node.properties) return;
    switch (node.type) {
      case 'integer': {
        if (typeof v !== 'number') return this.typeError(jsonKind(v), goType(node));
        const range = node.format === 'int32' ? int32 : { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };
        if (!Number.isInteger(v) || v < range.min || v > range.max) this.typeError(`number ${String(v)}`, goType(node));
        return;
      }
      case 'number':
        if (typeof v !== 'number') this.typeError(jsonKind(v), 'float64');
        return;
      case 'boolean':
        if (typeof v !== 'boolean') this.typeError(jsonKind(v), 'bool');
        return;
      case 'string':
        if (typeof v !== 'string') return this.typeError(jsonKind(v), goType(node));
        if (node.format === 'byte' && !this.saved) {
          const err = base64Error(v);
          if (err) this.saved = err;
        }
        return;
      case 'array':
        if (!Array.isArray(v)) return this.typeError(jsonKind(v), goType(node));
        if (node.items) {
          for (let i = 0; i < v.length; i++) {
            this.path.push(`[${i}]`);
            this.value(v[i], node.items);
            this.path.pop();
          }
        }
        return;
      case 'object':
        if (!isObj(v)) return this.typeError(jsonKind(v), goType(node));
        if (node.properties) this.struct_(v, node);
        else if (node.additional) this.map(v, node.additional);
        return;
      default:
    }
  }

  private map(v: Record<string, unknown>, elem: SchemaNode): void {
    for (const key of Object.keys(v)) {
      this.path.push(`.${key}`);
      this.value(v[key], elem);
      this.path.pop();
    }
  }

  struct_(v: Record<string, unknown>, node: SchemaNode): void {
    const outer = this.struct;
    if (node.ref) this.struct = shortName(node.ref);
    const props = node.properties!;
    for (const key of Object.keys(v)) {
      const child = props[key];
      this.path.push(`.${key}`);
      if (!child) {
        if (!node.preserveUnknownFields) this.unknown.push(this.path.join(''));
      } else {
        this.fields.push(key);
        this.value(v[key], child);
        this.fields.pop();
      }
      this.path.pop();
    }
    this.struct = outer;
  }
}

/**
 * Decodes `obj` (already parsed JSON) against a built-in kind's schema as the real server would
 * unmarshal it into its Go type. The caller words the failure: `<Kind> in version "<v>" cannot be
 * handled as a <Kind>: <error>`.
 */
export function decodeTyped(obj: Record<string, unknown>, schema: SchemaNode): DecodeResult {
  const d = new Decoder('');
  if (schema.properties) d.struct_(obj, schema);
  return { error: d.abort ?? d.saved, unknown: d.unknown };
}
