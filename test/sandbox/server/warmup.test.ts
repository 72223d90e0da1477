import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { ServiceAllocator } from '../../../sandbox/lifecycle/index.ts';
import { call, cm } from './helpers.ts';

describe('sandbox warm-up', () => {
  let sb: Sandbox | undefined;
  afterAll(() => sb?.stop());

  it('leaves no trace: boot namespaces only, boot resourceVersion, no requests counted, Service addresses handed back', async () => {
    const cold = await startSandbox({ controllers: false });
    const bootVersion = cold.cluster.store.resourceVersion;
    await cold.stop();
    sb = await startSandbox({ controllers: false, warmUp: true });
    const namespaces = (await call(sb, 'GET', '/api/v1/namespaces')).json;
    expect(namespaces.items.map((n: { metadata: { name: string } }) => n.metadata.name).sort()).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    expect(namespaces.metadata.resourceVersion).toBe(String(bootVersion));
    expect((await call(sb, 'GET', '/_sandbox/requests')).json.total).toBe(1);
    // A Service with the same name and namespace as one of the warm-up's gets the address a fresh allocator gives it.
    await call(sb, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'sandbox-warm-up' } } });
    const svc = await call(sb, 'POST', '/api/v1/namespaces/sandbox-warm-up/services', { body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'warm-0' }, spec: { ports: [{ port: 80 }] } } });
    expect(svc.status).toBe(201);
    expect(svc.json.spec.clusterIP).toBe(new ServiceAllocator().ip('sandbox-warm-up/warm-0'));
    expect((await call(sb, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('after-warm-up') })).status).toBe(201);
  }, 20_000);
});
