import type { IncomingMessage } from 'node:http';
import { DriftlessError } from '../core/errors.ts';

/** GitHub caps webhook payloads at 25 MB. */
export const maxWebhookBytes = 25 * 1024 * 1024;

/**
 * Reads a request body as UTF-8 text, refusing (PAYLOAD_TOO_LARGE) as soon as it passes
 * `limit` bytes: a declared Content-Length over the limit is refused before reading at all,
 * and a stream that lies about its length is cancelled mid-way, never buffered whole.
 */
export async function readBodyText(request: Request, limit = maxWebhookBytes): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  const tooLarge = () => new DriftlessError('PAYLOAD_TOO_LARGE', `request body over ${limit} bytes`);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/**
 * The same, straight from Node's IncomingMessage when running on @hono/node-server: it skips the
 * web-stream wrapper, which costs more than everything else on the ack path. Past the limit the
 * rest of the body is discarded as it arrives, never kept.
 */
export function readIncomingText(incoming: IncomingMessage, limit = maxWebhookBytes): Promise<string> {
  const declared = Number(incoming.headers['content-length'] ?? NaN);
  const tooLarge = () => new DriftlessError('PAYLOAD_TOO_LARGE', `request body over ${limit} bytes`);
  if (Number.isFinite(declared) && declared > limit) {
    incoming.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        incoming.off('data', onData).off('end', onEnd);
        chunks.length = 0;
        incoming.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks, size).toString('utf8'));
    // A client gone mid-body settles the read too, so whatever it reserved is given back.
    const onClose = () => {
      if (!incoming.readableEnded) reject(new DriftlessError('BAD_REQUEST', 'the client closed the connection before sending the whole body'));
    };
    incoming.on('data', onData).once('end', onEnd).once('error', reject).once('close', onClose);
  });
}
