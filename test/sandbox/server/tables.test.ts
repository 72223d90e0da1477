import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { humanDuration } from '../../../sandbox/server/tables.ts';
import { call, cm, deployment } from './helpers.ts';

const accept = { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json' };

describe('sandbox server-side tables (kubectl get without -o)', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ controllers: false });
  });
  afterAll(() => sb.stop());

  const columns = async (path: string): Promise<string[]> => (await call(sb, 'GET', path, { headers: accept })).json.columnDefinitions.map((c: { name: string }) => c.name);

  it('gives Deployments READY/UP-TO-DATE/AVAILABLE and ConfigMaps DATA, with PartialObjectMetadata rows', async () => {
    await call(sb, 'POST', '/apis/apps/v1/namespaces/default/deployments', { body: deployment('t', 3) });
    const table = (await call(sb, 'GET', '/apis/apps/v1/namespaces/default/deployments', { headers: accept })).json;
    expect(table).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect(table.columnDefinitions.filter((c: { priority: number }) => c.priority === 0).map((c: { name: string }) => c.name)).toEqual(['Name', 'Ready', 'Up-to-date', 'Available', 'Age']);
    expect(table.rows[0].cells.slice(0, 4)).toEqual(['t', '0/3', 0, 0]);
    expect(table.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 't', namespace: 'default' } });
    await call(sb, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('two', { a: '1', b: '2' }) });
    const one = (await call(sb, 'GET', '/api/v1/namespaces/default/configmaps/two', { headers: accept })).json;
    expect(one.rows).toHaveLength(1);
    expect(one.rows[0].cells.slice(0, 2)).toEqual(['two', 2]);
  });

  it('gives Namespaces STATUS, Services TYPE/CLUSTER-IP/PORT(S), unknown kinds NAME/AGE', async () => {
    expect(await columns('/api/v1/namespaces')).toEqual(['Name', 'Status', 'Age']);
    expect((await columns('/api/v1/services')).slice(0, 5)).toEqual(['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)']);
    expect(await columns('/apis/rbac.authorization.k8s.io/v1/clusterroles')).toEqual(['Name', 'Age']);
  });

  it('includes the whole object with includeObject=Object', async () => {
    const table = (await call(sb, 'GET', '/api/v1/namespaces/default/configmaps?includeObject=Object', { headers: accept })).json;
    expect(table.rows.find((r: { object: { metadata: { name: string } } }) => r.object.metadata.name === 'two').object.data).toEqual({ a: '1', b: '2' });
  });

  it('formats AGE as apimachinery HumanDuration does', () => {
    expect(humanDuration(45_000)).toBe('45s');
    expect(humanDuration(5 * 60_000 + 30_000)).toBe('5m30s');
    expect(humanDuration(3 * 3600_000 + 10 * 60_000)).toBe('3h10m');
    expect(humanDuration(3 * 86400_000 + 2 * 3600_000)).toBe('3d2h');
    expect(humanDuration(400 * 86400_000)).toBe('400d');
  });
});
