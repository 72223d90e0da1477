import { describe, expect, it } from 'vitest';
import type { ResourceInfo } from '../../../../sandbox/contracts.ts';
import { admissionConfigCauses } from '../../../../sandbox/server/admission/policy-config.ts';

const info = (resource: string): ResourceInfo => ({ group: 'admissionregistration.k8s.io', version: 'v1', resource } as ResourceInfo);
const messages = (resource: string, obj: Record<string, unknown>): string[] => admissionConfigCauses(info(resource), obj).map((c) => `${c.field}: ${c.message}`);

describe('admission configuration validation', () => {
  it('a policy needs validations and matchConstraints, and CEL that compiles everywhere', () => {
    expect(messages('validatingadmissionpolicies', { spec: {} })).toEqual([
      'spec.validations: Required value: validations or auditAnnotations must contain at least one item',
      'spec.matchConstraints: Required value',
    ]);
    const causes = messages('validatingadmissionpolicies', { spec: { matchConstraints: {}, validations: [{ expression: 'true', messageExpression: 'nope()' }], matchConditions: [{ name: 'm', expression: 'variables.x' }], variables: [{ name: 'v', expression: '' }] } });
    expect(causes).toHaveLength(3);
    expect(causes[0]).toMatch(/^spec\.validations\[0\]\.messageExpression: Invalid value: "nope\(\)": compilation failed: ERROR: <input>:1:5: undeclared reference to 'nope'/);
    // matchConditions cannot see variables.
    expect(causes[1]).toMatch(/^spec\.matchConditions\[0\]\.expression: Invalid value: "variables\.x": compilation failed: ERROR: <input>:1:1: undeclared reference to 'variables'/);
    expect(causes[2]).toBe('spec.variables[0].expression: Required value');
  });

  it('a binding needs a policy name and supported, non-contradictory actions', () => {
    expect(messages('validatingadmissionpolicybindings', { spec: { policyName: 'p', validationActions: ['Deny', 'Warn', 'Shout'] } })).toEqual([
      'spec.validationActions[2]: Unsupported value: "Shout": supported values: "Audit", "Deny", "Warn"',
      'spec.validationActions: Invalid value: []admissionregistration.ValidationAction{"Deny", "Warn", "Shout"}: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)',
    ]);
    expect(messages('validatingadmissionpolicybindings', { spec: {} })).toEqual(['spec.policyName: Required value', 'spec.validationActions: Required value: at least one validation action is required']);
  });

  it('other groups and kinds are not looked at', () => {
    expect(admissionConfigCauses({ ...info('validatingadmissionpolicies'), group: 'example.com' }, { spec: {} })).toEqual([]);
  });
});
