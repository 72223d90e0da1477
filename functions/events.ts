/**
 * The parts of Lambda's event and context shapes the handlers read (the API Gateway v2 event is
 * hono's). Field names are AWS's: see the SQS and EventBridge event samples in the Lambda docs.
 */
export interface LambdaContextLike {
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: {
    ApproximateReceiveCount: string;
    SentTimestamp?: string;
    MessageGroupId?: string;
    MessageDeduplicationId?: string;
    [name: string]: string | undefined;
  };
  eventSourceARN: string;
}

export interface SqsEvent {
  Records: SqsRecord[];
}

/** ReportBatchItemFailures: the messages listed come back; the others are deleted. */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export interface ScheduledEvent {
  id: string;
  'detail-type': 'Scheduled Event';
  source: 'aws.events';
  time: string;
  resources: string[];
}
