/** A reference to a secret value, as written in driftless.yaml. */
export type SecretRef = { env: string } | { file: string } | SecretsManagerRef;

/**
 * An AWS Secrets Manager secret (name or ARN); `key` picks a field of a JSON secret, `versionStage`
 * a version (default AWSCURRENT), `region` the secret's region (default: the environment's).
 */
export interface SecretsManagerRef {
  secret: string;
  key?: string;
  versionStage?: string;
  region?: string;
}

/** Resolves secret references. Implementations must never log the values they return. */
export interface SecretResolver {
  resolve(ref: SecretRef): Promise<string>;
}

export function describeSecretRef(ref: SecretRef): string {
  if ('env' in ref) return `environment variable ${ref.env}`;
  if ('file' in ref) return `file ${ref.file}`;
  const extras = [ref.key ? `key ${ref.key}` : '', ref.versionStage ? `stage ${ref.versionStage}` : '', ref.region ? `region ${ref.region}` : ''].filter(Boolean);
  return `secret ${ref.secret}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}
