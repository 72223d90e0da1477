import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EKS_TOKEN_PREFIX, mintEksToken, sessionName } from '../../../src/adapters/eks/token.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session/token+with=chars' };

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();
const enc = (v: string): string => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

describe('EKS token', () => {
  it('is k8s-aws-v1. + unpadded base64url of a presigned STS GetCallerIdentity URL, as aws eks get-token makes it', async () => {
    const token = await mintEksToken({ cluster: 'prod-eu', region: 'eu-west-1', credentials, signingDate: new Date('2026-12-02T08:00:00Z') });
    expect(token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
    const encoded = token.slice(EKS_TOKEN_PREFIX.length);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    const url = new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    const q = url.searchParams;
    expect(q.get('Action')).toBe('GetCallerIdentity');
    expect(q.get('Version')).toBe('2011-06-15');
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20261202/eu-west-1/sts/aws4_request');
    expect(q.get('X-Amz-Date')).toBe('20261202T080000Z');
    expect(q.get('X-Amz-Expires')).toBe('60');
    expect(q.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(q.get('X-Amz-Security-Token')).toBe(credentials.sessionToken);

    // Verify the signature the way STS does, independently of the signer that made it.
    const params = [...q.entries()].filter(([k]) => k !== 'X-Amz-Signature').map(([k, v]) => [enc(k), enc(v)] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const canonical = ['GET', '/', params.map(([k, v]) => `${k}=${v}`).join('&'), 'host:sts.eu-west-1.amazonaws.com', 'x-k8s-aws-id:prod-eu', '', 'host;x-k8s-aws-id', createHash('sha256').update('').digest('hex')].join('\n');
    const scope = '20261202/eu-west-1/sts/aws4_request';
    const toSign = ['AWS4-HMAC-SHA256', '20261202T080000Z', scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
    let key = hmac(`AWS4${credentials.secretAccessKey}`, '20261202');
    for (const part of ['eu-west-1', 'sts', 'aws4_request']) key = hmac(key, part);
    expect(q.get('X-Amz-Signature')).toBe(createHmac('sha256', key).update(toSign).digest('hex'));

    // Another cluster name gives another signature: the token is bound to its cluster.
    const other = await mintEksToken({ cluster: 'prod-us', region: 'eu-west-1', credentials, signingDate: new Date('2026-12-02T08:00:00Z') });
    expect(new URL(Buffer.from(other.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString()).searchParams.get('X-Amz-Signature')).not.toBe(q.get('X-Amz-Signature'));
  });
});

describe('assumed role session name', () => {
  it('is driftless-<app> when it fits', () => {
    expect(sessionName('web')).toBe('driftless-web');
    expect(sessionName('a'.repeat(54))).toBe(`driftless-${'a'.repeat(54)}`);
  });

  it('is shortened to 64 characters with a hash that keeps long names apart', () => {
    const a = sessionName(`${'x'.repeat(70)}-a`);
    const b = sessionName(`${'x'.repeat(70)}-b`);
    expect(a).toHaveLength(64);
    expect(b).toHaveLength(64);
    expect(a).not.toBe(b);
    expect(a.startsWith('driftless-xxxx')).toBe(true);
    expect(a).toMatch(/-[0-9a-f]{8}$/);
    expect(sessionName(`${'x'.repeat(70)}-a`)).toBe(a);
  });

  it('keeps only the characters STS allows', () => {
    expect(sessionName('team/app name')).toBe('driftless-team-app-name');
    expect(sessionName('a+b=c,d.e@f_g')).toMatch(/^[\w+=,.@-]+$/);
  });
});
