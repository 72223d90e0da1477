import { describe, expect, it } from 'vitest';
import { nameProblem, namespaceProblem, pathSegmentProblem, refProblem } from '../../src/core/names.ts';

describe('names', () => {
  it('the path-segment rule every kind obeys', () => {
    expect(pathSegmentProblem('..')).toBe("may not be '..'");
    expect(pathSegmentProblem('.')).toBe("may not be '.'");
    expect(pathSegmentProblem('a/b')).toBe("may not contain '/'");
    expect(pathSegmentProblem('%2e%2e')).toBe("may not contain '%'");
    expect(pathSegmentProblem('')).toBe('must not be empty');
    expect(pathSegmentProblem('...')).toBeUndefined();
    for (const kind of ['ConfigMap', 'Widget']) expect(nameProblem(kind === 'Widget' ? 'example.com' : '', kind, '..')).toBe("may not be '..'");
  });

  it('per-kind rules: DNS-1123 subdomain, Namespace label, Service DNS-1035 label', () => {
    expect(nameProblem('', 'ConfigMap', 'a.b-c')).toBeUndefined();
    expect(nameProblem('', 'ConfigMap', 'Upper')).toMatch(/RFC 1123 subdomain/);
    expect(nameProblem('apps', 'Deployment', 'a_b')).toMatch(/RFC 1123 subdomain/);
    expect(nameProblem('', 'ConfigMap', 'a'.repeat(254))).toMatch(/253/);
    expect(nameProblem('', 'Namespace', 'a.b')).toMatch(/RFC 1123 label/);
    expect(nameProblem('', 'Namespace', 'a'.repeat(64))).toMatch(/63/);
    expect(nameProblem('', 'Service', '1web')).toMatch(/DNS-1035 label/);
    expect(nameProblem('', 'Service', 'web-1')).toBeUndefined();
  });

  it('RBAC names and custom kinds obey only the path-segment rule', () => {
    expect(nameProblem('rbac.authorization.k8s.io', 'ClusterRole', 'system:controller:foo')).toBeUndefined();
    expect(nameProblem('rbac.authorization.k8s.io', 'RoleBinding', 'Mixed_Case:ok')).toBeUndefined();
    expect(nameProblem('rbac.authorization.k8s.io', 'Role', '..')).toBe("may not be '..'");
    expect(nameProblem('example.com', 'Widget', 'Whatever_Name')).toBeUndefined();
  });

  it('namespaces are DNS-1123 labels; refProblem names the field', () => {
    expect(namespaceProblem('prod')).toBeUndefined();
    expect(namespaceProblem('..')).toBe("may not be '..'");
    expect(namespaceProblem('a.b')).toMatch(/RFC 1123 label/);
    expect(refProblem({ group: '', kind: 'ConfigMap', namespace: 'prod', name: '..' })).toBe('metadata.name "..": may not be \'..\'');
    expect(refProblem({ group: '', kind: 'ConfigMap', namespace: '%2e', name: 'a' })).toMatch(/^metadata.namespace "%2e": may not contain '%'/);
    expect(refProblem({ group: '', kind: 'ConfigMap', namespace: 'prod', name: 'a' })).toBeUndefined();
  });
});
