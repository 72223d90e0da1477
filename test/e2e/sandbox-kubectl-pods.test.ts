import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { findTool } from '../../src/tools/binaries.ts';

interface Run { code: number; stdout: string; stderr: string }

const crashYaml = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27-crash"}]
`;

describe('kubectl sees Pods, logs and Events as on a cluster', () => {
  let sb: Sandbox;
  let dir: string;
  let kubeconfig: string;
  const kubectlPath = findTool('kubectl').path;
  const kubectl = (args: string[]): Promise<Run> => new Promise((resolve) => {
    execFile(kubectlPath, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-kubectl-pods-'));
    kubeconfig = join(dir, 'kubeconfig');
    sb = await startSandbox({ kubeconfigPath: kubeconfig });
  });
  afterAll(() => sb.stop());

  it('get pods prints the waiting reason, logs fail as with an unreachable kubelet, events --for and events.k8s.io list the same events', async () => {
    const path = join(dir, 'web.yaml');
    writeFileSync(path, crashYaml);
    expect((await kubectl(['apply', '-f', path])).code).toBe(0);
    let pods = '';
    for (let i = 0; i < 50 && !pods.includes('CrashLoopBackOff'); i++) {
      await new Promise((r) => setTimeout(r, 200));
      pods = (await kubectl(['get', 'pods'])).stdout;
    }
    expect(pods).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    const line = pods.split('\n').find((l) => l.startsWith('web-'))!;
    expect(line).toMatch(/^web-[a-z0-9]+-[a-z0-9]{5}\s+0\/1\s+CrashLoopBackOff\s+1\s+\d+s$/);
    const pod = line.split(/\s+/)[0]!;

    const logs = await kubectl(['logs', pod]);
    expect(logs.code).not.toBe(0);
    expect(logs.stderr.trim()).toBe(`Error from server: Get "https://172.18.0.2:10250/containerLogs/default/${pod}/web": dial tcp 172.18.0.2:10250: connect: connection refused`);

    const events = await kubectl(['events', '--for', 'deployment/web']);
    expect(events.stdout).toMatch(/Normal\s+ScalingReplicaSet\s+Deployment\/web\s+Scaled up replica set web-[a-z0-9]+ from 0 to 1/);
    const podEvents = await kubectl(['events', '--for', `pod/${pod}`]);
    expect(podEvents.stdout).toMatch(/Warning\s+BackOff\s+Pod\/web-\S+\s+Back-off restarting failed container web in pod/);

    const modern = JSON.parse((await kubectl(['get', 'events.v1.events.k8s.io', '--field-selector', `regarding.name=${pod},reason=Scheduled`, '-o', 'json'])).stdout) as { items: Array<Record<string, unknown>> };
    expect(modern.items).toHaveLength(1);
    expect(modern.items[0]).toMatchObject({ apiVersion: 'events.k8s.io/v1', reason: 'Scheduled', note: `Successfully assigned default/${pod} to sandbox-node`, regarding: { kind: 'Pod', name: pod }, reportingController: 'default-scheduler' });
  }, 60_000);
});
