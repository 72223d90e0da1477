/** A reference to a secret value, as written in driftless.yaml. */
export type SecretRef = { env: string } | { file: string } | { secret: string; key?: string };

/** Resolves secret references. Implementations must never log the values they return. */
export interface SecretResolver {
  resolve(ref: SecretRef): Promise<string>;
}

export function describeSecretRef(ref: SecretRef): string {
  if ('env' in ref) return `environment variable ${ref.env}`;
  if ('file' in ref) return `file ${ref.file}`;
  return `secret ${ref.secret}${ref.key ? ` (key ${ref.key})` : ''}`;
}
