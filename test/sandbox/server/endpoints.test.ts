import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { call, readWatch } from './helpers.ts';

async function until<T>(fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 30));
  }
}

const deprecation = '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"';
const ns = '/api/v1/namespaces/default';
const slices = '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices';

const pod = (name: string, labels: Record<string, string>): Record<string, unknown> => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels },
  spec: { nodeName: 'sandbox-node', containers: [{ name: 'app', image: 'nginx:1.25', ports: [{ name: 'web', containerPort: 8080 }] }] },
});

/** What a kubelet reports; startTime set so that the sandbox's pretend kubelet leaves the pod alone. */
const podStatus = (ip: string, ready: boolean): Record<string, unknown> => ({
  status: {
    phase: 'Running', podIP: ip, podIPs: [{ ip }], startTime: '2026-01-01T00:00:00Z',
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
  },
});

const setStatus = (name: string, ip: string, ready: boolean): Promise<unknown> =>
  call(sb, 'PATCH', `${ns}/pods/${name}/status`, { body: podStatus(ip, ready), contentType: 'application/merge-patch+json' });

let sb: Sandbox;

describe('sandbox endpoints and endpointslice controllers', () => {
  beforeAll(async () => {
    sb = await startSandbox({});
  });
  afterAll(() => sb.stop());

  it('default/kubernetes: Endpoints and EndpointSlice point at the sandbox itself, as the API server writes them', async () => {
    const port = Number(new URL(sb.url).port);
    const ep = await until(async () => { const r = await call(sb, 'GET', `${ns}/endpoints/kubernetes`); return r.status === 200 && r; });
    expect(ep.headers.warning).toBe(deprecation);
    expect(ep.json.metadata.labels).toEqual({ 'endpointslice.kubernetes.io/skip-mirror': 'true' });
    expect(ep.json.subsets).toEqual([{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port, protocol: 'TCP' }] }]);
    const slice = await until(async () => { const r = await call(sb, 'GET', `${slices}/kubernetes`); return r.status === 200 && r.json; });
    expect(slice.metadata.labels).toEqual({ 'kubernetes.io/service-name': 'kubernetes' });
    expect(slice).toMatchObject({ addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }], ports: [{ name: 'https', port, protocol: 'TCP' }] });
    // A client that removes them gets them back.
    await call(sb, 'DELETE', `${slices}/kubernetes`);
    await until(async () => (await call(sb, 'GET', `${slices}/kubernetes`)).status === 200);
  });

  it('follows the pods a Service selects: ready as addresses, unready as notReadyAddresses, named target ports resolved', async () => {
    await call(sb, 'POST', `${ns}/services`, {
      body: {
        apiVersion: 'v1', kind: 'Service', metadata: { name: 'shop', labels: { team: 'a' } },
        spec: { selector: { app: 'shop' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }, { name: 'metrics', port: 9100, targetPort: 9100 }] },
      },
    });
    for (const name of ['shop-a', 'shop-b']) expect((await call(sb, 'POST', `${ns}/pods`, { body: pod(name, { app: 'shop' }) })).status).toBe(201);
    await call(sb, 'POST', `${ns}/pods`, { body: pod('other', { app: 'other' }) });
    await setStatus('shop-a', '10.244.0.10', true);
    await setStatus('shop-b', '10.244.0.11', false);
    await setStatus('other', '10.244.0.12', true);
    const uidA = (await call(sb, 'GET', `${ns}/pods/shop-a`)).json.metadata.uid;

    const ep = await until(async () => {
      const r = (await call(sb, 'GET', `${ns}/endpoints/shop`)).json;
      return r?.subsets?.[0]?.notReadyAddresses ? r : undefined;
    });
    expect(ep.metadata.labels).toEqual({ team: 'a', 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' });
    expect(ep.metadata.annotations['endpoints.kubernetes.io/last-change-trigger-time']).toMatch(/Z$/);
    expect(ep.metadata.ownerReferences).toBeUndefined();
    expect(ep.subsets).toEqual([{
      addresses: [{ ip: '10.244.0.10', nodeName: 'sandbox-node', targetRef: { kind: 'Pod', namespace: 'default', name: 'shop-a', uid: uidA } }],
      notReadyAddresses: [expect.objectContaining({ ip: '10.244.0.11', targetRef: expect.objectContaining({ name: 'shop-b' }) })],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9100, protocol: 'TCP' }],
    }]);

    const list = (await call(sb, 'GET', `${slices}?labelSelector=kubernetes.io%2Fservice-name%3Dshop`)).json.items;
    expect(list).toHaveLength(1);
    const slice = list[0];
    const svcUid = (await call(sb, 'GET', `${ns}/services/shop`)).json.metadata.uid;
    expect(slice.metadata.name).toMatch(/^shop-[a-z0-9]{5}$/);
    expect(slice.metadata.labels).toEqual({ team: 'a', 'kubernetes.io/service-name': 'shop', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    expect(slice.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'shop', uid: svcUid, controller: true, blockOwnerDeletion: true }]);
    expect(slice.addressType).toBe('IPv4');
    expect(slice.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9100, protocol: 'TCP' }]);
    expect(slice.endpoints).toEqual([
      { addresses: ['10.244.0.10'], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', namespace: 'default', name: 'shop-a', uid: uidA }, nodeName: 'sandbox-node' },
      expect.objectContaining({ addresses: ['10.244.0.11'], conditions: { ready: false, serving: false, terminating: false } }),
    ]);
  });

  it('reacts to readiness, relabelling and deletion of pods, and to changes of the Service', async () => {
    await setStatus('shop-b', '10.244.0.11', true);
    await until(async () => (await call(sb, 'GET', `${ns}/endpoints/shop`)).json.subsets?.[0]?.addresses?.length === 2);
    await call(sb, 'PATCH', `${ns}/pods/shop-a`, { body: { metadata: { labels: { app: 'gone' } } }, contentType: 'application/merge-patch+json' });
    const ep = await until(async () => { const r = (await call(sb, 'GET', `${ns}/endpoints/shop`)).json; return r.subsets?.[0]?.addresses?.length === 1 && r; });
    expect(ep.subsets[0].addresses[0].ip).toBe('10.244.0.11');
    const slice = await until(async () => { const s = (await call(sb, 'GET', `${slices}?labelSelector=kubernetes.io%2Fservice-name%3Dshop`)).json.items[0]; return s?.endpoints?.length === 1 && s; });
    expect(slice.endpoints[0].addresses).toEqual(['10.244.0.11']);

    // The Service now selects the other pod and names its port by number.
    await call(sb, 'PATCH', `${ns}/services/shop`, { body: { spec: { selector: { app: 'other' }, ports: [{ name: 'http', port: 80, targetPort: 8081 }] } }, contentType: 'application/strategic-merge-patch+json' });
    const moved = await until(async () => { const r = (await call(sb, 'GET', `${ns}/endpoints/shop`)).json; return r.subsets?.[0]?.addresses?.[0]?.ip === '10.244.0.12' && r; });
    expect(moved.subsets[0].ports.find((p: { name: string }) => p.name === 'http').port).toBe(8081);

    await call(sb, 'DELETE', `${ns}/pods/other`);
    const empty = await until(async () => { const r = (await call(sb, 'GET', `${ns}/endpoints/shop`)).json; return r.subsets === undefined && r; });
    expect(empty.metadata.name).toBe('shop');
    const placeholder = await until(async () => { const s = (await call(sb, 'GET', `${slices}?labelSelector=kubernetes.io%2Fservice-name%3Dshop`)).json.items; return s.length === 1 && !s[0].endpoints?.length && s; });
    expect(placeholder[0].addressType).toBe('IPv4');
  });

  it('a Service without a selector is left to its owner; deleting a Service removes its Endpoints and slices', async () => {
    await call(sb, 'POST', `${ns}/services`, { body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'manual' }, spec: { ports: [{ port: 5432 }] } } });
    expect((await call(sb, 'PUT', `${ns}/endpoints/manual`, { body: { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'manual' }, subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 5432 }] }] } })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 200));
    const manual = (await call(sb, 'GET', `${ns}/endpoints/manual`)).json;
    expect(manual.subsets[0].addresses).toEqual([{ ip: '192.0.2.1' }]);
    expect(manual.metadata.labels).toBeUndefined();
    expect((await call(sb, 'GET', `${slices}?labelSelector=kubernetes.io%2Fservice-name%3Dmanual`)).json.items).toEqual([]);

    await call(sb, 'DELETE', `${ns}/services/shop`);
    await until(async () => (await call(sb, 'GET', `${ns}/endpoints/shop`)).status === 404);
    await until(async () => (await call(sb, 'GET', `${slices}?labelSelector=kubernetes.io%2Fservice-name%3Dshop`)).json.items.length === 0);
  });

  it('every v1 Endpoints read carries the deprecation warning (get, list, watch); EndpointSlice reads do not', async () => {
    expect((await call(sb, 'GET', '/api/v1/endpoints')).headers.warning).toBe(deprecation);
    expect((await call(sb, 'GET', `${slices}`)).headers.warning).toBeUndefined();
    const { request } = await import('node:https');
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const req = request(new URL(`${ns}/endpoints?watch=true`, sb.url), { headers: { authorization: `Bearer ${sb.adminToken}` }, ca: sb.caPem }, (res) => {
        resolve(res.headers);
        req.destroy();
      });
      req.on('error', reject);
      req.end();
    });
    expect(headers.warning).toBe(deprecation);
    const events = await readWatch(sb, `${ns}/endpoints?watch=true`, (e) => e.length >= 1);
    expect(events[0]?.type).toBe('ADDED');
  });
});

describe('endpoints in a namespace being deleted', () => {
  let sbx: Sandbox;
  beforeAll(async () => {
    sbx = await startSandbox({});
  });
  afterAll(() => sbx.stop());

  it('a namespace holding a selecting Service and a ready Pod still empties and goes away, endpoints included', async () => {
    const base = '/api/v1/namespaces/doomed';
    await call(sbx, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'doomed' } } });
    await call(sbx, 'POST', `${base}/services`, { body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } } });
    await call(sbx, 'POST', `${base}/pods`, { body: { ...pod('web-1', { app: 'web' }), metadata: { name: 'web-1', labels: { app: 'web' } } } });
    await call(sbx, 'PATCH', `${base}/pods/web-1/status`, { body: podStatus('10.244.0.30', true), contentType: 'application/merge-patch+json' });
    await until(async () => (await call(sbx, 'GET', `${base}/endpoints/web`)).json?.subsets?.[0]?.addresses?.length === 1);
    await call(sbx, 'DELETE', '/api/v1/namespaces/doomed');
    await until(async () => (await call(sbx, 'GET', '/api/v1/namespaces/doomed')).status === 404, 20_000);
    expect((await call(sbx, 'GET', `${base}/endpoints`)).json.items).toEqual([]);
    expect((await call(sbx, 'GET', '/apis/discovery.k8s.io/v1/namespaces/doomed/endpointslices')).json.items).toEqual([]);
  });
});
