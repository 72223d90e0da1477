import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.ts';
import { lambdaSecrets } from '../../src/wiring/lambda-env.ts';
import { startAwsStandins, type AwsStandins } from '../support/aws-standin/index.ts';

let aws: AwsStandins;
const savedEnv = { ...process.env };

beforeAll(async () => {
  aws = await startAwsStandins({ region: 'eu-west-1' });
  Object.assign(process.env, aws.envFor(aws.iam.addUser('lambda-role'), 'eu-west-1'));
});

afterAll(async () => {
  process.env = savedEnv;
  await aws?.close();
});

const config = parseConfig('repositories: { demo: { git: ./gitops } }\nclusters: { c: { kubeconfig: { env: K } } }\napps: []\n', '/var/task/driftless.yaml', { cwd: '/var/task' });

describe('lambdaSecrets', () => {
  it('resolves {secret:} from Secrets Manager with the function role, through one cache', async () => {
    aws.secretsManager.putSecret('driftless/webhook', 'hook-value-1');
    const secrets = lambdaSecrets(config);
    expect(await secrets.resolve({ secret: 'driftless/webhook' })).toBe('hook-value-1');
    expect(await secrets.resolve({ secret: 'driftless/webhook' })).toBe('hook-value-1');
    expect(aws.secretsManager.requests().filter((r) => r.action === 'GetSecretValue')).toHaveLength(1);
    // Rotation: refused values are re-read, and the previous stage is accepted meanwhile.
    aws.secretsManager.putSecret('driftless/webhook', 'hook-value-2');
    expect(await secrets.refresh({ secret: 'driftless/webhook' }, 'hook-value-1')).toBe(true);
    expect(await secrets.accepted({ secret: 'driftless/webhook' })).toEqual(['hook-value-2', 'hook-value-1']);
  });
});
