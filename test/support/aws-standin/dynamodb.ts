import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * DynamoDB through dynalite (an in-memory implementation of the DynamoDB API, LevelDB-backed) on
 * 127.0.0.1. dynalite 4 lacks TransactWriteItems and UpdateTimeToLive: tables are made without TTL.
 */
export interface DynamoStandin {
  endpoint: string;
  /** A fresh client per call, so two "Lambda containers" can each have their own. */
  client(): DynamoDBClient;
  createTable(input: CreateTableCommandInput): Promise<void>;
  close(): Promise<void>;
}

type DynaliteFactory = (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

export async function startDynalite(): Promise<DynamoStandin> {
  const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: DynamoDBClient[] = [];
  const client = (): DynamoDBClient => {
    const c = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }, maxAttempts: 2 });
    clients.push(c);
    return c;
  };
  const admin = client();
  return {
    endpoint,
    client,
    createTable: async (input) => {
      await admin.send(new CreateTableCommand(input));
    },
    close: async () => {
      for (const c of clients) c.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
