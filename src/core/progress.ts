import type { ObjectRef, Revision } from '../core/types.ts';

export type SyncPhase = 'resolve' | 'render' | 'plan' | 'preflight' | 'apply' | 'prune' | 'inventory' | 'health' | 'done';

/** What a sync reports as it goes (the CLI prints these on stderr; serve may log them). */
export type ProgressEvent =
  | { type: 'phase'; phase: SyncPhase; message: string; revision?: Revision }
  | { type: 'object'; phase: 'apply' | 'prune' | 'health'; ref: ObjectRef; outcome: string; message?: string }
  | { type: 'retry'; message: string };

export type ProgressListener = (event: ProgressEvent) => void;
