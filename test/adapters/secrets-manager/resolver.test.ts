import { DecryptionFailure, InternalServiceError, ResourceNotFoundException, SecretsManagerServiceException } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { mapSecretsManagerError, pickKey } from '../../../src/adapters/secrets-manager/resolver.ts';
import { classify } from '../../../src/core/retry.ts';

const ref = { secret: 'prod/github', key: 'token' };
const meta = (status: number) => ({ $metadata: { httpStatusCode: status }, $fault: 'client' as const });

describe('Secrets Manager errors', () => {
  it('give one distinct code per cause, naming the secret reference', () => {
    const notFound = mapSecretsManagerError(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", ...meta(400) }), ref);
    expect(notFound.code).toBe('SECRET_NOT_FOUND');
    expect(notFound.message).toContain('secret prod/github (key token)');
    const denied = mapSecretsManagerError(new SecretsManagerServiceException({ name: 'AccessDeniedException', message: 'User: arn:aws:sts::1:assumed-role/x is not authorized to perform: secretsmanager:GetSecretValue', ...meta(400) }), ref);
    expect(denied.code).toBe('SECRET_ACCESS_DENIED');
    expect(denied.message).toContain('secretsmanager:GetSecretValue');
    const kms = mapSecretsManagerError(new DecryptionFailure({ message: 'Access to KMS is not allowed', ...meta(400) }), ref);
    expect(kms.code).toBe('SECRET_DECRYPT_FAILED');
    expect(kms.message).toContain('kms:Decrypt');
    expect([notFound, denied, kms].every((e) => !e.transient)).toBe(true);
  });

  it('throttling is transient through classify, as is a 5xx; both name the secret', () => {
    const throttling = new SecretsManagerServiceException({ name: 'ThrottlingException', message: 'Rate exceeded', ...meta(400) });
    expect(classify(throttling).transient).toBe(true);
    const mapped = mapSecretsManagerError(throttling, ref);
    expect(mapped.code).toBe('SECRET_THROTTLED');
    expect(classify(mapped).transient).toBe(true);
    const internal = mapSecretsManagerError(new InternalServiceError({ message: 'An error occurred on the server side.', $metadata: { httpStatusCode: 500 } }), ref);
    expect(internal.code).toBe('SECRET_UNAVAILABLE');
    expect(internal.transient).toBe(true);
  });
});

describe('key of a JSON secret', () => {
  const secretText = JSON.stringify({ token: 's3cr3t-value', port: 5432, nested: { a: 1 } });

  it('reads a string, a number or a nested object (as JSON)', () => {
    expect(pickKey(secretText, ref)).toBe('s3cr3t-value');
    expect(pickKey(secretText, { secret: 'x', key: 'port' })).toBe('5432');
    expect(pickKey(secretText, { secret: 'x', key: 'nested' })).toBe('{"a":1}');
    expect(pickKey('plain', { secret: 'x' })).toBe('plain');
  });

  it('a missing key or a secret that is not JSON is SECRET_INVALID, naming keys but never values', () => {
    expect(() => pickKey(secretText, { secret: 'x', key: 'password' })).toThrow(/has no key "password" \(its keys: nested, port, token\)/);
    try {
      pickKey('not-json-s3cr3t', { secret: 'x', key: 'k' });
      throw new Error('accepted');
    } catch (err) {
      expect((err as { code?: string }).code).toBe('SECRET_INVALID');
      expect((err as Error).message).not.toContain('s3cr3t');
    }
  });
});
