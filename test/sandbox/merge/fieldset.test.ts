import { describe, expect, it } from 'vitest';
import { FieldSet, pathString } from '../../../sandbox/merge/index.ts';

describe('FieldSet and the FieldsV1 encoding', () => {
  // Trimmed from a Deployment's kubectl-client-side-apply entry as `kubectl get -o yaml` prints it
  // (github.com/sh0rez/kubectl-neat-diff README): `.` marks a path that is a member and has children.
  const fieldsV1 = {
    'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} }, 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:selector': {},
      'f:template': {
        'f:spec': {
          'f:containers': {
            'k:{"name":"nginx"}': {
              '.': {},
              'f:image': {},
              'f:ports': { '.': {}, 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
            },
          },
        },
      },
    },
  };

  it('round-trips FieldsV1', () => {
    expect(FieldSet.fromFieldsV1(fieldsV1).toFieldsV1()).toEqual(fieldsV1);
  });

  it('lists member paths and prints them as conflicts do', () => {
    const set = FieldSet.fromFieldsV1(fieldsV1);
    const printed = set.paths().map(pathString);
    expect(printed).toContain('.spec.replicas');
    expect(printed).toContain('.metadata.labels');
    expect(printed).toContain('.spec.template.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"].containerPort');
    expect(printed).not.toContain('.spec');
    expect(pathString(['f:metadata', 'f:finalizers', 'v:"example.com/x"'])).toBe('.metadata.finalizers[="example.com/x"]');
  });

  it('supports union, difference and intersection', () => {
    const a = FieldSet.fromPaths([['f:spec', 'f:replicas'], ['f:spec', 'f:paused']]);
    const b = FieldSet.fromPaths([['f:spec', 'f:replicas'], ['f:data']]);
    expect(a.intersection(b).toFieldsV1()).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(a.difference(b).toFieldsV1()).toEqual({ 'f:spec': { 'f:paused': {} } });
    expect(a.union(b).toFieldsV1()).toEqual({ 'f:data': {}, 'f:spec': { 'f:paused': {}, 'f:replicas': {} } });
    expect(a.has(['f:spec', 'f:paused'])).toBe(true);
    expect(a.has(['f:spec'])).toBe(false);
  });
});
