import { handle, type APIGatewayProxyResult, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import { isDriftlessError } from '../src/core/errors.ts';
import { lambdaHttpAppFromEnv, type LambdaHttpApp } from '../src/wiring/lambda-http.ts';
import { perContainer } from '../src/wiring/lambda-env.ts';

/**
 * API Gateway HTTP API (payload 2.0) → the hono app of `driftless serve`, in its Lambda mode: syncs
 * and diffs are queued for the worker, `?wait=true` reads the store for at most 25 s. A container
 * that cannot start (config, adapters) answers 503, so that GitHub's Redeliver can succeed later.
 */
export function createHttpHandler(load: () => Promise<LambdaHttpApp>): (event: LambdaEvent, context?: LambdaContext) => Promise<APIGatewayProxyResult> {
  const app = perContainer(async () => handle(await load()));
  return async (event, context) => {
    let run;
    try {
      run = await app();
    } catch (err) {
      const error = isDriftlessError(err) ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: 'the function could not start; see its log' };
      console.error(JSON.stringify({ level: 'error', message: 'http function could not start', code: error.code, reason: error.message }));
      return { statusCode: 503, headers: { 'content-type': 'application/json', 'retry-after': '30' }, body: JSON.stringify({ error }), isBase64Encoded: false };
    }
    return run(event, context);
  };
}

export const handler = createHttpHandler(lambdaHttpAppFromEnv);
