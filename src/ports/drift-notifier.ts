import type { DriftRecord, HealSuspension } from './state.ts';

/**
 * Where drift is reported to people (a GitHub issue per drifted app). Called only when an app's
 * drift state changed since the last delivery, never on every run.
 */
export interface DriftNotifier {
  /**
   * Brings what people see for `record.app` in line with the record: OutOfSync opens or edits it,
   * Synced closes it (Unknown is never passed). `suspension` is set while self-heal is suspended.
   * Resolves false when this app gets no notification (not on GitHub, or turned off), true once
   * delivered; throws when delivery failed (the caller tries again on the next run).
   */
  notify(record: DriftRecord, suspension?: HealSuspension): Promise<boolean>;
}
