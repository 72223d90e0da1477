import type { LambdaEvent } from 'hono/aws-lambda';
import type { LambdaContextLike, ScheduledEvent, SqsEvent } from '../../functions/events.ts';
import type { SyncRequest } from '../../src/ports/queue.ts';

/**
 * Lambda events as AWS delivers them (shapes of the samples in the Lambda developer guide: API
 * Gateway HTTP API payload 2.0, SQS FIFO with attributes, EventBridge scheduled event).
 */
export function apiGatewayV2Event(method: string, pathAndQuery: string, options: { headers?: Record<string, string>; body?: string; base64?: boolean } = {}): LambdaEvent {
  const [rawPath, rawQueryString = ''] = pathAndQuery.split('?') as [string, string?];
  const query = new URLSearchParams(rawQueryString);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    // HTTP APIs lower-case header names and join repeated ones with commas.
    headers: {
      'content-length': String(Buffer.byteLength(options.body ?? '')), host: 'abc123.execute-api.us-east-1.amazonaws.com',
      'user-agent': 'GitHub-Hookshot/7f3c1a2', 'x-amzn-trace-id': 'Root=1-5e6722a7-cc56xmpl46db7ae02d4da47e', 'x-forwarded-for': '192.0.2.1', 'x-forwarded-port': '443', 'x-forwarded-proto': 'https',
      ...Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    },
    ...(rawQueryString ? { queryStringParameters: Object.fromEntries(query) } : {}),
    requestContext: {
      accountId: '123456789012', apiId: 'abc123', domainName: 'abc123.execute-api.us-east-1.amazonaws.com', domainPrefix: 'abc123',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'GitHub-Hookshot/7f3c1a2' },
      requestId: 'JKJaXmPLvHcESHA=', routeKey: '$default', stage: '$default', time: '02/Dec/2026:08:00:00 +0000', timeEpoch: 1796198400000,
    },
    body: options.body === undefined ? null : options.base64 ? Buffer.from(options.body).toString('base64') : options.body,
    isBase64Encoded: Boolean(options.base64),
    // hono's type demands authentication and authorizer, which API Gateway leaves out of a route without an authorizer.
  } as unknown as LambdaEvent;
}

let messages = 0;

/** An SQS record carrying `request` (a SyncRequest or a DriftCheckRequest) as the enqueuer wrote it. */
export function sqsEvent(request: Pick<SyncRequest, 'id' | 'app'>, options: { receiveCount?: number; body?: string } = {}): SqsEvent {
  const n = ++messages;
  return {
    Records: [{
      messageId: `059f36b4-87a3-44ab-83d2-66197583${String(n).padStart(4, '0')}`,
      receiptHandle: `AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a${n}`,
      body: options.body ?? JSON.stringify(request),
      attributes: {
        ApproximateReceiveCount: String(options.receiveCount ?? 1), SentTimestamp: '1796198400000', SequenceNumber: `1884949646046769612${n}`,
        MessageGroupId: request.app, SenderId: 'AROAEXAMPLE:driftless-dev-http', MessageDeduplicationId: `push:${request.id}`, ApproximateFirstReceiveTimestamp: '1796198400010',
      },
      messageAttributes: {}, md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3', eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:driftless-dev-syncs.fifo', awsRegion: 'us-east-1',
    } as SqsEvent['Records'][number]],
  };
}

export function scheduledEvent(time = '2026-12-02T08:00:00Z'): ScheduledEvent {
  return {
    id: 'cdc73f9d-aea9-11e3-9d5a-835b769c0d9c', 'detail-type': 'Scheduled Event', source: 'aws.events', time,
    resources: ['arn:aws:events:us-east-1:123456789012:rule/driftless-dev-DriftEventsRuleSchedule1'],
  };
}

/** A context whose remaining time runs down with the clock, from `timeoutMs`. */
export function lambdaContext(timeoutMs = 900_000): LambdaContextLike & { functionName: string } {
  const deadline = Date.now() + timeoutMs;
  return { awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678', functionName: 'driftless-dev-worker', getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
}
