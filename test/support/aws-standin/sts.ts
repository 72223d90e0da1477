import { covers, Iam, requestId } from './iam.ts';
import type { Identity, Role } from './iam.ts';
import { listen, serviceCore } from './server.ts';
import type { Reply, RequestRecord, StandinBase } from './server.ts';
import { verifyHeaderSignature, verifyPresigned } from './sigv4.ts';
import type { AuthFailure, AuthResult } from './sigv4.ts';

/**
 * STS over the AWS Query protocol: form-encoded POST (or a presigned GET) answered in XML, or in
 * JSON when the caller sends `Accept: application/json` (as aws-iam-authenticator does).
 */

export interface StsStandinOptions {
  iam?: Iam;
}

export interface StsStandin extends StandinBase {
  iam: Iam;
  /** Adds a role that the principals in `trust` (user, role or assumed-role ARNs) may assume. */
  addRole(options: { name: string; account?: string; trust: string[]; externalId?: string; maxSessionDuration?: number }): Role;
  /** Temporary credentials issued so far (for expiry tests: `iam.expire(accessKeyId)`). */
  issued(): Identity[];
}

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const BAD_SIGNATURE = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const SESSION_NAME = /^[\w+=,.@-]*$/;
/** STS honours a presigned GetCallerIdentity for 15 minutes from X-Amz-Date, whatever X-Amz-Expires says. */
const PRESIGN_LIFETIME_S = 900;

class StsError extends Error {
  constructor(readonly code: string, message: string, readonly status = 400, readonly type: 'Sender' | 'Receiver' = 'Sender') { super(message); }
}

function authError(failure: AuthFailure): StsError {
  switch (failure.kind) {
    case 'missing': return new StsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
    case 'malformed': return new StsError('IncompleteSignature', failure.message, 400);
    case 'unknownKey': return new StsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
    case 'expiredToken': return new StsError('ExpiredToken', 'The security token included in the request is expired', 400);
    case 'badSignature': return new StsError('SignatureDoesNotMatch', BAD_SIGNATURE, 403);
    case 'expiredSignature': return new StsError('SignatureDoesNotMatch', failure.message, 403);
  }
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function xml(action: string, result: string, id: string): Reply {
  const body = `<${action}Response xmlns="${NS}">\n  <${action}Result>\n${result}  </${action}Result>\n  <ResponseMetadata>\n    <RequestId>${id}</RequestId>\n  </ResponseMetadata>\n</${action}Response>\n`;
  return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': id }, body };
}

function errorReply(err: StsError, id: string, json: boolean): Reply {
  if (json) {
    return { status: err.status, headers: { 'content-type': 'application/json', 'x-amzn-requestid': id }, body: JSON.stringify({ Error: { Code: err.code, Message: err.message, Type: err.type }, RequestId: id }) };
  }
  const body = `<ErrorResponse xmlns="${NS}">\n  <Error>\n    <Type>${err.type}</Type>\n    <Code>${err.code}</Code>\n    <Message>${esc(err.message)}</Message>\n  </Error>\n  <RequestId>${id}</RequestId>\n</ErrorResponse>\n`;
  return { status: err.status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': id }, body };
}

function validation(field: string, value: string, constraint: string): StsError {
  return new StsError('ValidationError', `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`);
}

export async function startStsStandin(options: StsStandinOptions = {}): Promise<StsStandin> {
  const iam = options.iam ?? new Iam();
  const core = serviceCore();
  const issued: Identity[] = [];

  function assumeRole(params: URLSearchParams, caller: Identity): string {
    const roleArn = params.get('RoleArn') ?? '';
    const session = params.get('RoleSessionName') ?? '';
    if (!roleArn) throw new StsError('MissingParameter', 'The request must contain the parameter RoleArn');
    if (!params.has('RoleSessionName')) throw new StsError('MissingParameter', 'The request must contain the parameter RoleSessionName');
    if (session.length < 2) throw validation('roleSessionName', session, 'Member must have length greater than or equal to 2');
    if (session.length > 64) throw validation('roleSessionName', session, 'Member must have length less than or equal to 64');
    if (!SESSION_NAME.test(session)) throw validation('roleSessionName', session, 'Member must satisfy regular expression pattern: [\\w+=,.@-]*');
    const duration = params.has('DurationSeconds') ? Number(params.get('DurationSeconds')) : 3600;
    if (!Number.isInteger(duration) || duration < 900) throw validation('durationSeconds', String(params.get('DurationSeconds')), 'Member must have value greater than or equal to 900');
    if (duration > 43200) throw validation('durationSeconds', String(duration), 'Member must have value less than or equal to 43200');
    const role = iam.role(roleArn);
    const externalId = params.get('ExternalId') ?? undefined;
    const trusted = role !== undefined && role.trust.some((p) => covers(p, caller)) && (role.externalId === undefined || role.externalId === externalId);
    if (!role || !trusted) throw new StsError('AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
    if (duration > role.maxSessionDuration) throw new StsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    const temp = iam.issue(role, session, duration);
    issued.push(temp);
    return `    <AssumedRoleUser>\n      <AssumedRoleId>${esc(temp.userId)}</AssumedRoleId>\n      <Arn>${esc(temp.arn)}</Arn>\n    </AssumedRoleUser>\n`
      + `    <Credentials>\n      <AccessKeyId>${temp.accessKeyId}</AccessKeyId>\n      <SecretAccessKey>${esc(temp.secretAccessKey)}</SecretAccessKey>\n      <SessionToken>${esc(temp.sessionToken ?? '')}</SessionToken>\n      <Expiration>${iso(temp.expiration!)}</Expiration>\n    </Credentials>\n`;
  }

  const base = await listen(core, async (req) => {
    const id = requestId();
    const query = new URLSearchParams(req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '');
    const contentType = String(req.headers['content-type'] ?? '');
    const form = req.method === 'POST' && contentType.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(req.body.toString('utf8')) : new URLSearchParams();
    const params = new URLSearchParams([...query, ...form]);
    const action = params.get('Action') ?? '';
    const json = String(req.headers.accept ?? '').includes('application/json');
    const record: RequestRecord = { service: 'sts', action, status: 200 };
    core.log.push(record);
    try {
      const presigned = query.has('X-Amz-Signature');
      const auth: AuthResult = presigned
        ? await verifyPresigned(iam, 'sts', req, action === 'GetCallerIdentity' ? PRESIGN_LIFETIME_S : undefined)
        : await verifyHeaderSignature(iam, 'sts', req);
      if (!auth.ok) throw authError(auth.failure);
      const caller = auth.identity;
      record.identity = caller.arn;
      record.accessKeyId = caller.accessKeyId;
      const fault = core.takeFault(action);
      if (fault) throw new StsError(fault.code ?? 'Throttling', fault.message ?? 'Rate exceeded', fault.status ?? 400);
      if (params.get('Version') !== '2011-06-15') throw new StsError('InvalidAction', `Could not find operation ${action} for version ${params.get('Version') ?? 'NO_VERSION_SPECIFIED'}`);
      if (action === 'GetCallerIdentity') {
        if (json) {
          const body = { GetCallerIdentityResponse: { GetCallerIdentityResult: { Account: caller.account, Arn: caller.arn, UserId: caller.userId }, ResponseMetadata: { RequestId: id } } };
          return { status: 200, headers: { 'content-type': 'application/json', 'x-amzn-requestid': id }, body: JSON.stringify(body) };
        }
        return xml(action, `    <Arn>${esc(caller.arn)}</Arn>\n    <UserId>${esc(caller.userId)}</UserId>\n    <Account>${caller.account}</Account>\n`, id);
      }
      if (action === 'AssumeRole' && req.method === 'POST') return xml(action, assumeRole(params, caller), id);
      throw new StsError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
    } catch (err) {
      if (!(err instanceof StsError)) throw err;
      record.status = err.status;
      record.error = err.code;
      return errorReply(err, id, json);
    }
  });

  return { ...base, iam, addRole: (o) => iam.addRole(o), issued: () => [...issued] };
}
