import { GetCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { translateAwsError } from '../aws-common/errors.ts';

export type Item = Record<string, unknown>;

export const conditionFailed = (err: unknown): boolean => (err as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';

/** The table's reads, paginated, with every failure as STATE_UNAVAILABLE naming the table. */
export class TableIO {
  constructor(readonly doc: DynamoDBDocumentClient, readonly table: string) {}

  async get(key: Item, what: string): Promise<Item | undefined> {
    const out = await this.call(what, () => this.doc.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true })));
    return out.Item;
  }

  async queryAll(input: Omit<QueryCommandInput, 'TableName'>, what: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.call(what, () => this.doc.send(new QueryCommand({ ...input, TableName: this.table, ...(start ? { ExclusiveStartKey: start } : {}) })));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw translateAwsError(err, 'STATE_UNAVAILABLE', `${what} in DynamoDB table ${this.table}`);
    }
  }
}
