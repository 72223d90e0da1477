import { createNotificationDispatcher, type NotificationDispatcher } from '../adapters/notifications/dispatcher.ts';
import type { DriftlessConfig } from '../config/types.ts';
import type { SecretResolver } from '../ports/secrets.ts';
import type { StateStore } from '../ports/state.ts';
import type { Logger } from '../service/engine.ts';

/**
 * The notification sinks of `notifications:` (undefined when there are none). serve lets them
 * deliver in the background; a Lambda function awaits `idle()` before it returns, since a frozen
 * container sends nothing.
 */
export function createConfiguredNotifier(config: DriftlessConfig, secrets: SecretResolver, store: StateStore, log: Logger): NotificationDispatcher | undefined {
  if (!config.notifications || config.notifications.length === 0) return undefined;
  return createNotificationDispatcher({ sinks: config.notifications, secrets, store, log, ...(config.server.publicUrl ? { publicUrl: config.server.publicUrl } : {}) });
}
