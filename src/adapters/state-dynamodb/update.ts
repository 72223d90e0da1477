/**
 * Builds an UpdateItem's expressions with every attribute name behind a placeholder (DynamoDB
 * reserves hundreds of words, `state`, `data` and `name` among them).
 */
export interface UpdateSpec {
  set?: Record<string, unknown>;
  /** Written only when the attribute is absent: values fixed at an item's first write. */
  setIfMissing?: Record<string, unknown>;
  remove?: string[];
  condition?: string;
  conditionNames?: Record<string, string>;
  conditionValues?: Record<string, unknown>;
}

export interface UpdateExpressions {
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
  ConditionExpression?: string;
}

export function update(spec: UpdateSpec): UpdateExpressions {
  const names: Record<string, string> = { ...spec.conditionNames };
  const values: Record<string, unknown> = { ...spec.conditionValues };
  let n = 0;
  const name = (attribute: string): string => {
    const placeholder = `#u${n++}`;
    names[placeholder] = attribute;
    return placeholder;
  };
  const value = (v: unknown): string => {
    const placeholder = `:u${n++}`;
    values[placeholder] = v;
    return placeholder;
  };
  const sets = [
    ...Object.entries(spec.set ?? {}).map(([attribute, v]) => `${name(attribute)} = ${value(v)}`),
    ...Object.entries(spec.setIfMissing ?? {}).map(([attribute, v]) => {
      const placeholder = name(attribute);
      return `${placeholder} = if_not_exists(${placeholder}, ${value(v)})`;
    }),
  ];
  const removes = (spec.remove ?? []).map(name);
  const parts = [sets.length > 0 ? `SET ${sets.join(', ')}` : '', removes.length > 0 ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean);
  return {
    UpdateExpression: parts.join(' '),
    ExpressionAttributeNames: names,
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
    ...(spec.condition ? { ConditionExpression: spec.condition } : {}),
  };
}
