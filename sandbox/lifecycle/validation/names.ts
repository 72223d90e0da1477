// Object name rules, after k8s.io/apimachinery/pkg/util/validation/validation.go and
// apimachinery's ValidateObjectMeta (NameIsDNSSubdomain, NameIsDNSLabel, NameIsDNS1035Label).
import type { Obj, ResourceInfo, StatusCause } from '../../contracts.ts';
import { str } from '../util.ts';
import { invalid, required } from './causes.ts';

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?';

/** RegexError: each example is followed by ", " and joined with " or " (hence the double space). */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  let out = `${msg} (e.g. `;
  examples.forEach((e, i) => {
    if (i > 0) out += ' or ';
    out += `'${e}', `;
  });
  return `${out}regex used for validation is '${fmt}')`;
}

function maxLen(n: number): string {
  return `must be no more than ${n} characters`;
}

export function dns1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLen(253));
  if (!new RegExp(`^${dns1123SubdomainFmt}$`).test(v)) {
    errs.push(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", dns1123SubdomainFmt, 'example.com'));
  }
  return errs;
}

export function dns1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!new RegExp(`^${dns1123LabelFmt}$`).test(v)) {
    errs.push(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", dns1123LabelFmt, 'my-name', '123-abc'));
  }
  return errs;
}

export function dns1035Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!new RegExp(`^${dns1035LabelFmt}$`).test(v)) {
    errs.push(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", dns1035LabelFmt, 'my-name', 'abc-123'));
  }
  return errs;
}

const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const labelValueFmt = `(${qualifiedNameFmt})?`;

/** IsQualifiedName: an optional DNS-subdomain prefix and a name part (label and annotation keys). */
export function qualifiedName(v: string): string[] {
  const parts = v.split('/');
  const errs: string[] = [];
  let name = v;
  if (parts.length === 2) {
    const [prefix, rest] = parts as [string, string];
    name = rest;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const e of dns1123Subdomain(prefix)) errs.push(`prefix part ${e}`);
  } else if (parts.length > 2) {
    return [regexError("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", qualifiedNameFmt, 'MyName', 'my.name', '123-abc') + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLen(63)}`);
  if (name.length > 0 && !new RegExp(`^${qualifiedNameFmt}$`).test(name)) {
    errs.push(`name part ${regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", qualifiedNameFmt, 'MyName', 'my.name', '123-abc')}`);
  }
  return errs;
}

/** IsValidLabelValue. */
export function labelValue(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!new RegExp(`^${labelValueFmt}$`).test(v)) {
    errs.push(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", labelValueFmt, 'MyValue', 'my_value', '12345'));
  }
  return errs;
}

/** ValidateLabels: keys and values, each reported at metadata.labels. */
export function validateLabels(labels: unknown, field: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (typeof labels !== 'object' || labels === null) return out;
  for (const [k, v] of Object.entries(labels)) {
    for (const msg of qualifiedName(k)) out.push(invalid(field, k, msg));
    for (const msg of labelValue(String(v))) out.push(invalid(field, v, msg));
  }
  return out;
}

/** Path segment names (ValidatePathSegmentName): what CRDs and most RBAC objects use. */
function pathSegment(v: string): string[] {
  if (v === '.' || v === '..') return [`may not be '${v}'`];
  for (const bad of ['/', '%']) if (v.includes(bad)) return [`may not contain '${bad}'`];
  return [];
}

type NameRule = (v: string) => string[];

const rules: Record<string, NameRule> = {
  '/Service': dns1035Label,
  '/Namespace': dns1123Label,
  'rbac.authorization.k8s.io/Role': pathSegment,
  'rbac.authorization.k8s.io/ClusterRole': pathSegment,
  'rbac.authorization.k8s.io/RoleBinding': pathSegment,
  'rbac.authorization.k8s.io/ClusterRoleBinding': pathSegment,
};

/** The name rule of a kind; custom resources, like most built-ins, use DNS-1123 subdomains. */
function ruleFor(info: ResourceInfo): NameRule {
  return rules[`${info.group}/${info.kind}`] ?? dns1123Subdomain;
}

export function validateName(info: ResourceInfo, obj: Obj): StatusCause[] {
  const name = str(obj, 'metadata', 'name');
  if (name === undefined || name === '') {
    const labels = validateLabels((obj.metadata as Obj | undefined)?.labels, 'metadata.labels');
    return str(obj, 'metadata', 'generateName') ? labels : [required('metadata.name', 'name or generateName is required'), ...labels];
  }
  const causes = ruleFor(info)(name).map((msg) => invalid('metadata.name', name, msg));
  causes.push(...validateLabels((obj.metadata as Obj).labels, 'metadata.labels'));
  // A CronJob's Jobs append an 11-character suffix to a 63-character label value.
  if (info.group === 'batch' && info.kind === 'CronJob' && name.length > 52) causes.push(invalid('metadata.name', name, 'must be no more than 52 characters'));
  return causes;
}
