/**
 * Audit annotations admission plugins add to a request's audit event (PodSecurity's
 * `pod-security.kubernetes.io/*`; ValidatingAdmissionPolicy's `validation.policy.admission.k8s.io/
 * validation_failure` would go here too). The sandbox writes no audit log: the last 1000 records
 * are kept in memory and served at `GET /_sandbox/audit` for tests.
 */
export interface AuditRecord { resource: string; namespace: string; name: string; user?: string; annotations: Record<string, string> }

const LIMIT = 1000;

export class AuditAnnotations {
  readonly records: AuditRecord[] = [];

  record(entry: AuditRecord): void {
    this.records.push(entry);
    if (this.records.length > LIMIT) this.records.splice(0, this.records.length - LIMIT);
  }

  clear(): void {
    this.records.length = 0;
  }
}
