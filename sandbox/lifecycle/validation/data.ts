// ConfigMap and Secret content rules (pkg/apis/core/validation ValidateConfigMap, ValidateSecret).
import type { Obj, StatusCause } from '../../contracts.ts';
import { isObj } from '../util.ts';
import { invalid, required } from './causes.ts';

const configKeyFmt = '[-._a-zA-Z0-9]+';

/** validation.IsConfigMapKey. */
export function configMapKeyErrors(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push('must be no more than 253 characters');
  if (!new RegExp(`^${configKeyFmt}$`).test(key)) {
    errs.push(`a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '${configKeyFmt}')`);
  }
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

function keys(map: unknown, field: string): StatusCause[] {
  if (!isObj(map)) return [];
  const out: StatusCause[] = [];
  for (const key of Object.keys(map)) for (const msg of configMapKeyErrors(key)) out.push(invalid(`${field}[${key}]`, key, msg));
  return out;
}

export function validateConfigMap(o: Obj): StatusCause[] {
  const out = [...keys(o.data, 'data'), ...keys(o.binaryData, 'binaryData')];
  if (isObj(o.data) && isObj(o.binaryData)) {
    for (const key of Object.keys(o.binaryData)) {
      if (key in o.data) out.push(invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
    }
  }
  return out;
}

/** Go's encoding/json messages for the most common ways a JSON document is broken. */
function goJsonError(text: string): string | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return isObj(v) ? undefined : `json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : v === null ? 'null' : 'number'} into Go value of type map[string]interface {}`;
  } catch {
    const trimmed = text.trim();
    if (trimmed === '') return 'unexpected end of JSON input';
    const first = trimmed[0]!;
    if (!'{["-0123456789tfn'.includes(first)) return `invalid character '${first}' looking for beginning of value`;
    return 'unexpected end of JSON input';
  }
}

/** Secret data keys, and the content the well-known types require (dockerconfigjson, basic-auth, …). */
export function validateSecret(o: Obj): StatusCause[] {
  const out = keys(o.data, 'data');
  const data = isObj(o.data) ? o.data : {};
  const decoded = (key: string): string | undefined => (typeof data[key] === 'string' ? Buffer.from(data[key], 'base64').toString('utf8') : undefined);
  switch (o.type) {
    case 'kubernetes.io/dockerconfigjson': {
      const content = decoded('.dockerconfigjson');
      if (content === undefined) out.push(required('data[.dockerconfigjson]'));
      else {
        const err = goJsonError(content);
        if (err) out.push(invalid('data[.dockerconfigjson]', '<secret contents redacted>', err));
      }
      break;
    }
    case 'kubernetes.io/dockercfg': {
      const content = decoded('.dockercfg');
      if (content === undefined) out.push(required('data[.dockercfg]'));
      else {
        const err = goJsonError(content);
        if (err) out.push(invalid('data[.dockercfg]', '<secret contents redacted>', err));
      }
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (data.username === undefined && data.password === undefined) out.push(required('data[username]'));
      break;
    case 'kubernetes.io/ssh-auth':
      if (data['ssh-privatekey'] === undefined) out.push(required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls':
      if (data['tls.crt'] === undefined) out.push(required('data[tls.crt]'));
      if (data['tls.key'] === undefined) out.push(required('data[tls.key]'));
      break;
    default:
  }
  return out;
}
