import { randomBytes, randomUUID } from 'node:crypto';

/** A principal that can sign requests: an IAM user's static keys or STS temporary credentials. */
export interface Identity {
  accessKeyId: string;
  secretAccessKey: string;
  /** Present only on temporary credentials (ASIA…); a request must carry it as `X-Amz-Security-Token`. */
  sessionToken?: string;
  /** `arn:aws:iam::ACCOUNT:user/NAME` or `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`. */
  arn: string;
  /** AIDA… for users, `AROA…:SESSION` for assumed roles (GetCallerIdentity's UserId). */
  userId: string;
  account: string;
  /** For assumed roles: `arn:aws:iam::ACCOUNT:role/ROLE`, which access rules may name instead of `arn`. */
  roleArn?: string;
  expiration?: Date;
}

export interface Role {
  arn: string;
  roleId: string;
  /** Principal ARNs (user ARNs, role ARNs) allowed to assume it. */
  trust: string[];
  externalId?: string;
  maxSessionDuration: number;
}

export const DEFAULT_ACCOUNT = '111122223333';

const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const keyPart = (n: number): string => Array.from(randomBytes(n), (b) => alnum[b % alnum.length]).join('');

/**
 * The identity table shared by the stand-ins, so that credentials issued by the STS stand-in are
 * accepted by Secrets Manager and EKS, as one AWS account's keys are everywhere.
 */
export class Iam {
  private readonly keys = new Map<string, Identity>();
  private readonly roles = new Map<string, Role>();

  /** A user with static keys (AKIA…). Same name twice → the same user with a second key pair. */
  addUser(name: string, account = DEFAULT_ACCOUNT): Identity {
    const identity: Identity = {
      accessKeyId: `AKIA${keyPart(16)}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      arn: `arn:aws:iam::${account}:user/${name}`,
      userId: `AIDA${keyPart(17)}`,
      account,
    };
    this.keys.set(identity.accessKeyId, identity);
    return identity;
  }

  /** A role that the principals in `trust` may assume (with `externalId` when given). */
  addRole(options: { name: string; account?: string; trust: string[]; externalId?: string; maxSessionDuration?: number }): Role {
    const role: Role = {
      arn: `arn:aws:iam::${options.account ?? DEFAULT_ACCOUNT}:role/${options.name}`,
      roleId: `AROA${keyPart(17)}`,
      trust: [...options.trust],
      externalId: options.externalId,
      maxSessionDuration: options.maxSessionDuration ?? 3600,
    };
    this.roles.set(role.arn, role);
    return role;
  }

  role(arn: string): Role | undefined {
    return this.roles.get(arn);
  }

  /** Temporary credentials for a role session, as AssumeRole returns them. */
  issue(role: Role, sessionName: string, durationSeconds: number): Identity {
    const [, account, , name] = /^arn:aws:iam::(\d+):role\/(.*\/)?([^/]+)$/.exec(role.arn) ?? [];
    const identity: Identity = {
      accessKeyId: `ASIA${keyPart(16)}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(96).toString('base64')}`,
      arn: `arn:aws:sts::${account}:assumed-role/${name}/${sessionName}`,
      userId: `${role.roleId}:${sessionName}`,
      account: account ?? DEFAULT_ACCOUNT,
      roleArn: role.arn,
      expiration: new Date(Math.floor(Date.now() / 1000 + durationSeconds) * 1000),
    };
    this.keys.set(identity.accessKeyId, identity);
    return identity;
  }

  /** Makes a temporary credential expire now (for expiry tests). */
  expire(accessKeyId: string): void {
    const id = this.keys.get(accessKeyId);
    if (id) id.expiration = new Date(Date.now() - 1000);
  }

  byAccessKey(accessKeyId: string): Identity | undefined {
    return this.keys.get(accessKeyId);
  }
}

/** Whether an access rule naming `principal` (a user, role or assumed-role ARN) covers this identity. */
export function covers(principal: string, identity: Identity): boolean {
  return principal === identity.arn || principal === identity.roleArn;
}

export const requestId = (): string => randomUUID();
