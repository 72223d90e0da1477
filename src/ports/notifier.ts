import type { Revision } from '../core/types.ts';

/**
 * Where state changes of an app are announced to people (Slack, Teams, signed webhooks). Only
 * transitions are sent, never every run: a sync that fails after a success, health that turns
 * Degraded, drift that appears or goes away, self-heal that gives up.
 */

export const notificationEvents = ['sync-failed', 'sync-recovered', 'health-degraded', 'drift-opened', 'drift-closed', 'heal-suspended'] as const;
export type NotificationEventName = (typeof notificationEvents)[number];

export interface NotificationEvent {
  event: NotificationEventName;
  app: string;
  /** When the transition was seen (ISO time). */
  at: string;
  /** One line for people, e.g. "web failed to sync main@1a2b3c4". Never holds a secret. */
  summary: string;
  revision?: Revision;
  syncId?: string;
  /** Why: the sync error, what self-heal saw. */
  message?: string;
  /** Drifted objects (drift-opened). */
  objects?: number;
  /** Field managers that keep changing the cluster back (heal-suspended). */
  managers?: string[];
}

export interface Notifier {
  /**
   * Accepts the event for delivery and resolves at once: sinks are called in the background,
   * with retries, and a failing sink is recorded, never thrown to the caller (a sync or drift run
   * must not fail because Slack is down).
   */
  notify(event: NotificationEvent): void;
}
