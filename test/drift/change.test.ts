import { describe, expect, it } from 'vitest';
import { driftFingerprint, notificationDue, syncedFingerprint } from '../../src/drift/change.ts';
import { driftReport, replicasDrift } from '../support/drift-reports.ts';

describe('driftFingerprint / notificationDue', () => {
  it('ignores the check time and object order; changes with values, managers and a suspension', () => {
    const a = driftReport('web', 'OutOfSync', { checkedAt: 't1', objects: [replicasDrift('m', 'shop', 'web'), replicasDrift('m', 'shop', 'api')] });
    const b = driftReport('web', 'OutOfSync', { checkedAt: 't2', objects: [replicasDrift('m', 'shop', 'api'), replicasDrift('m', 'shop', 'web')] });
    expect(driftFingerprint(a)).toBe(driftFingerprint(b));
    expect(driftFingerprint(driftReport('web', 'OutOfSync', { objects: [replicasDrift('m', 'shop', 'web', 7)] }))).not.toBe(driftFingerprint(driftReport('web', 'OutOfSync', { objects: [replicasDrift('m', 'shop', 'web', 5)] })));
    expect(driftFingerprint(a, { at: 't', managers: ['m'], fields: ['f'], message: 'x' })).not.toBe(driftFingerprint(a));
    expect(driftFingerprint(driftReport('web', 'Synced'))).toBe(syncedFingerprint);
    expect(driftFingerprint(driftReport('web', 'Unknown'))).toBeUndefined();
  });

  it('is due when what people see would change; Unknown never; Synced with nothing delivered never', () => {
    const drift = driftFingerprint(driftReport('web', 'OutOfSync'));
    expect(notificationDue(undefined, drift)).toBe(true);
    expect(notificationDue(drift, drift)).toBe(false);
    expect(notificationDue(drift, syncedFingerprint)).toBe(true);
    expect(notificationDue(undefined, syncedFingerprint)).toBe(false);
    expect(notificationDue(drift, undefined)).toBe(false);
  });
});
