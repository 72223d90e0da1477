/**
 * AWS stand-ins for end-to-end tests: Secrets Manager, STS and EKS on 127.0.0.1 (port 0), reached by
 * the real @aws-sdk/* v3 clients through `endpoint` or `AWS_ENDPOINT_URL_{SECRETS_MANAGER,STS,EKS}`.
 *
 * Shared (iam.ts, sigv4.ts, server.ts): every request must carry a SigV4 signature (header or, for
 * STS GetCallerIdentity, presigned query) that @smithy/signature-v4 reproduces with the secret of a
 * known key: static users (`iam.addUser`) or temporary credentials from STS AssumeRole (ASIA…, with
 * their session token, until they expire). The signature date must be within 15 minutes. Each
 * stand-in keeps a request log (service, action, caller ARN, access key id, status, error code; never
 * a secret or signature) and a fault hook (`fail({action, count, code?, status?, message?})`, default
 * the service's throttling error, which the SDK retries).
 *
 * - Secrets Manager (AWS JSON 1.1): GetSecretValue (name, full ARN `…:secret:NAME-xxxxxx` or partial ARN,
 *   VersionStage, VersionId, SecretString/SecretBinary) and PutSecretValue (stage rotation,
 *   ClientRequestToken idempotency). Errors ResourceNotFoundException, AccessDeniedException (`deny`;
 *   `setKmsAccessDenied`: "Access to KMS is not allowed"), DecryptionFailure (`setUndecryptable`),
 *   InvalidSignatureException, UnrecognizedClientException, ExpiredTokenException. Leaves out:
 *   CreateSecret/Describe/List, custom staging labels, resource policies, regions (one per stand-in).
 * - STS (AWS Query, XML; JSON for `Accept: application/json` as aws-iam-authenticator asks):
 *   AssumeRole (trust by principal ARN, ExternalId, RoleSessionName and DurationSeconds validation,
 *   the role's MaxSessionDuration) and GetCallerIdentity by POST or presigned GET (valid 15 minutes from
 *   X-Amz-Date, as STS treats it, whatever X-Amz-Expires says). Errors AccessDenied, ValidationError,
 *   SignatureDoesNotMatch (also "Signature expired: …"), InvalidClientTokenId, ExpiredToken,
 *   Throttling. Leaves out: session policies and tags, MFA, source identity, the other actions.
 * - EKS (REST-JSON): DescribeCluster `GET /clusters/{name}` with endpoint and base64 CA of a cluster the
 *   test registers (a sandbox's `url` and `caPem`); ResourceNotFoundException 404, AccessDeniedException
 *   403 (`allow`), auth failures 403, faults default ThrottlingException 429. Leaves out every other
 *   EKS action; access entries live in the sandbox (`startSandbox({eks})`), not here.
 *
 * - SQS (AWS JSON 1.0, query-compatible errors; sqs.ts, sqs-queue.ts): FIFO and standard queues,
 *   CreateQueue/GetQueueUrl/GetQueueAttributes/SetQueueAttributes, Send/Receive/Delete(Batch),
 *   ChangeMessageVisibility, message groups, the 5-minute deduplication window, redrive to a DLQ,
 *   long polling, an injectable clock. Leaves out: message attributes, KMS, permissions, tags,
 *   message move tasks.
 *
 * Usage: `const aws = await startAwsStandins(); const me = aws.iam.addUser('worker');` then clients
 * with `endpoint: aws.sts.url, credentials: me`, or a child process with `env: aws.envFor(me)`.
 */
import { Iam } from './iam.ts';
import type { Identity } from './iam.ts';
import { startEksStandin } from './eks.ts';
import type { EksCluster, EksStandin } from './eks.ts';
import { startSecretsManagerStandin } from './secrets-manager.ts';
import type { SecretsManagerStandin } from './secrets-manager.ts';
import { startStsStandin } from './sts.ts';
import type { StsStandin } from './sts.ts';
import { startSqsStandin } from './sqs.ts';
import type { SqsStandin } from './sqs.ts';

export { Iam, DEFAULT_ACCOUNT } from './iam.ts';
export type { Identity, Role } from './iam.ts';
export type { Fault, RequestRecord, StandinBase } from './server.ts';
export { startSecretsManagerStandin, type SecretsManagerStandin, type SecretsManagerStandinOptions, type SecretVersionInfo } from './secrets-manager.ts';
export { startStsStandin, type StsStandin, type StsStandinOptions } from './sts.ts';
export { startEksStandin, type EksCluster, type EksStandin, type EksStandinOptions } from './eks.ts';
export { startSqsStandin, type SqsStandin, type SqsStandinOptions } from './sqs.ts';

export interface AwsStandins {
  iam: Iam;
  secretsManager: SecretsManagerStandin;
  sts: StsStandin;
  eks: EksStandin;
  sqs: SqsStandin;
  /** `AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL_EKS`, `AWS_ENDPOINT_URL_SQS` for a child process or process.env. */
  env: Record<string, string>;
  /** `env` plus AWS_REGION and this identity's AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN), for a child process. */
  envFor(identity: Pick<Identity, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>, region?: string): Record<string, string>;
  close(): Promise<void>;
}

/** All the stand-ins over one identity table, so credentials STS issues work at Secrets Manager, EKS and SQS. */
export async function startAwsStandins(options: { region?: string; clusters?: EksCluster[] } = {}): Promise<AwsStandins> {
  const iam = new Iam();
  const [secretsManager, sts, eks, sqs] = await Promise.all([
    startSecretsManagerStandin({ iam, region: options.region }),
    startStsStandin({ iam }),
    startEksStandin({ iam, region: options.region, clusters: options.clusters }),
    startSqsStandin({ iam, ...(options.region ? { region: options.region } : {}) }),
  ]);
  const env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url, AWS_ENDPOINT_URL_STS: sts.url, AWS_ENDPOINT_URL_EKS: eks.url, AWS_ENDPOINT_URL_SQS: sqs.url };
  return {
    iam, secretsManager, sts, eks, sqs,
    env,
    envFor: (identity, region = options.region ?? 'us-east-1') => ({
      ...env, AWS_REGION: region, AWS_ACCESS_KEY_ID: identity.accessKeyId, AWS_SECRET_ACCESS_KEY: identity.secretAccessKey,
      ...(identity.sessionToken ? { AWS_SESSION_TOKEN: identity.sessionToken } : {}),
    }),
    close: async () => { await Promise.all([secretsManager.close(), sts.close(), eks.close(), sqs.close()]); },
  };
}
