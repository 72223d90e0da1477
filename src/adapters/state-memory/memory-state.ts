import type { AppStatusRecord, DeliveryClaim, DeliveryRecord, DriftRecord, Lease, NotificationRecord, Pin, PruneCounts, RetentionPolicy, StateStore, StoreHealth, SyncRecord } from '../../ports/state.ts';

const clone = <T>(value: T): T => structuredClone(value);

/** StateStore in memory, for unit tests and one-shot runs. Same semantics as the SQLite store. */
export class MemoryStateStore implements StateStore {
  private readonly deliveries = new Map<string, DeliveryRecord>();
  private readonly apps = new Map<string, AppStatusRecord>();
  private readonly syncs = new Map<string, { seq: number; record: SyncRecord }>();
  private readonly dependencies = new Map<string, string[]>();
  /** Per app, oldest first. */
  private readonly drift = new Map<string, DriftRecord[]>();
  /** Oldest first. */
  private readonly notifications: NotificationRecord[] = [];
  private readonly leases = new Map<string, Lease>();
  private seq = 0;

  async getDelivery(id: string): Promise<DeliveryRecord | undefined> {
    const record = this.deliveries.get(id);
    return record && clone(record);
  }

  async putDelivery(record: DeliveryRecord): Promise<void> {
    // The first receipt time wins, as in the SQLite store: redeliveries keep the original.
    const receivedAt = this.deliveries.get(record.id)?.receivedAt ?? record.receivedAt;
    this.deliveries.set(record.id, { ...clone(record), receivedAt });
  }

  async claimDelivery(record: DeliveryRecord, claim: { now: string; claimedUntil: string }): Promise<DeliveryClaim> {
    const existing = this.deliveries.get(record.id);
    if (existing && !deliveryClaimable(existing, claim.now)) return { claimed: false, record: clone(existing) };
    const next: DeliveryRecord = { ...clone(record), state: 'received', receivedAt: existing?.receivedAt ?? record.receivedAt, claimedUntil: claim.claimedUntil };
    this.deliveries.set(record.id, next);
    return { claimed: true, record: clone(next) };
  }

  async acquireLease(name: string, holder: string, times: { now: string; expiresAt: string }): Promise<boolean> {
    const current = this.leases.get(name);
    if (current && current.holder !== holder && current.expiresAt > times.now) return false;
    this.leases.set(name, { name, holder, expiresAt: times.expiresAt });
    return true;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    if (this.leases.get(name)?.holder === holder) this.leases.delete(name);
  }

  async getLease(name: string): Promise<Lease | undefined> {
    const lease = this.leases.get(name);
    return lease && { ...lease };
  }

  async getAppStatus(app: string): Promise<AppStatusRecord | undefined> {
    const record = this.apps.get(app);
    return record && clone(record);
  }

  async listAppStatus(): Promise<AppStatusRecord[]> {
    return [...this.apps.values()].sort((a, b) => a.app.localeCompare(b.app)).map(clone);
  }

  async updateAppStatus(app: string, patch: Partial<Omit<AppStatusRecord, 'app'>>): Promise<AppStatusRecord> {
    const current = this.apps.get(app) ?? { app, status: 'Never', sourceMissing: false };
    const next = mergeStatus(current, patch);
    this.apps.set(app, next);
    return clone(next);
  }

  async setPin(app: string, pin: Pin | undefined): Promise<void> {
    await this.updateAppStatus(app, { pin });
  }

  async putSync(record: SyncRecord): Promise<void> {
    const existing = this.syncs.get(record.id);
    this.syncs.set(record.id, { seq: existing?.seq ?? ++this.seq, record: clone(record) });
  }

  async getSync(id: string): Promise<SyncRecord | undefined> {
    const entry = this.syncs.get(id);
    return entry && clone(entry.record);
  }

  async listSyncs(filter: { app?: string; limit?: number } = {}): Promise<SyncRecord[]> {
    return [...this.syncs.values()]
      .filter((entry) => filter.app === undefined || entry.record.app === filter.app)
      .sort((a, b) => b.seq - a.seq)
      .slice(0, filter.limit ?? 100)
      .map((entry) => clone(entry.record));
  }

  async getRenderDependencies(app: string): Promise<string[] | undefined> {
    const paths = this.dependencies.get(app);
    return paths && [...paths];
  }

  async setRenderDependencies(app: string, paths: string[]): Promise<void> {
    this.dependencies.set(app, [...new Set(paths)].sort());
  }

  async listRenderDependencies(): Promise<Map<string, string[]>> {
    return new Map([...this.dependencies].map(([app, paths]) => [app, [...paths]]));
  }

  async putDriftReport(record: DriftRecord): Promise<void> {
    const history = this.drift.get(record.app) ?? [];
    history.push(clone(record));
    this.drift.set(record.app, history);
  }

  async listDriftReports(app: string, limit = 20): Promise<DriftRecord[]> {
    return [...(this.drift.get(app) ?? [])].reverse().slice(0, limit).map(clone);
  }

  async latestDriftReports(): Promise<DriftRecord[]> {
    return [...this.drift.entries()]
      .filter(([, history]) => history.length > 0)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, history]) => clone(history[history.length - 1]!));
  }

  async putNotification(record: NotificationRecord): Promise<void> {
    this.notifications.push(clone(record));
  }

  async listNotifications(filter: { app?: string; limit?: number } = {}): Promise<NotificationRecord[]> {
    return [...this.notifications].reverse()
      .filter((record) => filter.app === undefined || record.app === filter.app)
      .slice(0, filter.limit ?? 50)
      .map(clone);
  }

  async prune(policy: RetentionPolicy): Promise<PruneCounts> {
    let syncs = 0;
    const kept = new Map<string, number>();
    for (const { record } of [...this.syncs.values()].sort((a, b) => b.seq - a.seq)) {
      if (record.state === 'queued' || record.state === 'running') continue;
      const count = (kept.get(record.app) ?? 0) + 1;
      kept.set(record.app, count);
      if (count > policy.maxSyncsPerApp || record.queuedAt < policy.olderThan) {
        this.syncs.delete(record.id);
        syncs++;
      }
    }
    let deliveries = 0;
    const newest = [...this.deliveries.values()].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
    newest.forEach((record, index) => {
      if (index >= policy.maxDeliveries || record.updatedAt < policy.olderThan) {
        this.deliveries.delete(record.id);
        deliveries++;
      }
    });
    let driftReports = 0;
    for (const [app, history] of this.drift) {
      // Newest first; the newest always stays (GET /drift serves it).
      const kept = [...history].reverse().filter((record, index) => index === 0 || (index < policy.maxDriftReportsPerApp && record.checkedAt >= policy.olderThan));
      driftReports += history.length - kept.length;
      this.drift.set(app, kept.reverse());
    }
    // Notification deliveries follow the webhook deliveries' bounds (not counted separately).
    const keep = this.notifications.filter((record, index) => this.notifications.length - index <= policy.maxDeliveries && record.at >= policy.olderThan);
    this.notifications.splice(0, this.notifications.length, ...keep);
    return { syncs, deliveries, driftReports };
  }

  async health(): Promise<StoreHealth> {
    return { ok: true };
  }

  async close(): Promise<void> {}
}

/** Still "received" and no live claim: a handler died (or failed to enqueue) before "queued". */
export function deliveryClaimable(existing: DeliveryRecord, now: string): boolean {
  return existing.state === 'received' && (existing.claimedUntil === undefined || existing.claimedUntil <= now);
}

/** A key present with value undefined clears that field. */
export function mergeStatus(current: AppStatusRecord, patch: Partial<Omit<AppStatusRecord, 'app'>>): AppStatusRecord {
  const next: AppStatusRecord = { ...current };
  for (const [key, value] of Object.entries(patch) as Array<[keyof AppStatusRecord, unknown]>) {
    if (value === undefined) delete next[key];
    else (next as unknown as Record<string, unknown>)[key] = value;
  }
  return next;
}
