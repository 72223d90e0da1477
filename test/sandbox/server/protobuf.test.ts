import { describe, expect, it } from 'vitest';
import { decodeProtobuf, protobufMagic } from '../../../sandbox/server/protobuf/decode.ts';

// Minimal protobuf writer: enough to build the frames client-go's typed clients send.
const varint = (n: number): Buffer => {
  const out: number[] = [];
  let v = BigInt.asUintN(64, BigInt(n));
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
};
const bytes = (field: number, data: Buffer | string): Buffer => {
  const b = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([varint((field << 3) | 2), varint(b.length), b]);
};
const num = (field: number, n: number): Buffer => Buffer.concat([varint(field << 3), varint(n)]);
const frame = (apiVersion: string, kind: string, raw: Buffer): Buffer =>
  Buffer.concat([protobufMagic, bytes(1, Buffer.concat([bytes(1, apiVersion), bytes(2, kind)])), bytes(2, raw)]);

describe('protobuf request bodies (k8s\\0 + runtime.Unknown)', () => {
  it('decodes a ConfigMap with its data map, dropping empty omitempty strings as Go JSON does', () => {
    const meta = Buffer.concat([bytes(1, 'cfg'), bytes(2, ''), bytes(3, 'default')]);
    const raw = Buffer.concat([bytes(1, meta), bytes(2, Buffer.concat([bytes(1, 'a'), bytes(2, '1')]))]);
    expect(decodeProtobuf(frame('v1', 'ConfigMap', raw))).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { a: '1' } });
  });

  it('keeps pointer zeros (replicas: 0), drops non-pointer omitempty zeros, reads IntOrString and inline fields', () => {
    const container = Buffer.concat([bytes(1, 'c'), bytes(2, 'nginx'), bytes(6, Buffer.concat([num(3, 80), bytes(4, 'TCP')]))]);
    const podSpec = bytes(2, container);
    const template = Buffer.concat([bytes(1, bytes(1, '')), bytes(2, podSpec)]);
    const rollingUpdate = bytes(2, Buffer.concat([bytes(1, Buffer.concat([num(1, 1), bytes(3, '25%')]))]));
    const strategy = Buffer.concat([bytes(1, 'RollingUpdate'), rollingUpdate]);
    const spec = Buffer.concat([num(1, 0), bytes(3, template), bytes(4, strategy), num(5, 0)]);
    const obj = decodeProtobuf(frame('apps/v1', 'Deployment', Buffer.concat([bytes(1, bytes(1, 'web')), bytes(2, spec)])));
    expect(obj.spec).toEqual({
      replicas: 0,
      template: { metadata: {}, spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }] }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%' } },
    });
    const volume = Buffer.concat([bytes(1, 'scratch'), bytes(2, bytes(2, Buffer.alloc(0)))]);
    const pod = decodeProtobuf(frame('v1', 'Pod', Buffer.concat([bytes(1, bytes(1, 'p')), bytes(2, bytes(1, volume))])));
    expect((pod.spec as { volumes: unknown[] }).volumes).toEqual([{ name: 'scratch', emptyDir: {} }]);
  });

  it('answers 415 for kinds it has no schema for', () => {
    expect(() => decodeProtobuf(frame('example.com/v1', 'Widget', Buffer.alloc(0)))).toThrow(/unknown format/);
  });
});
