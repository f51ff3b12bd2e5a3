import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';

/** The request body, or that it is over the limit (read no further than the limit). */
export type LimitedBody = { tooLarge: false; bytes: Uint8Array } | { tooLarge: true };

const TOO_LARGE: LimitedBody = { tooLarge: true };

/** Node's request, which @hono/node-server hands the app as `c.env.incoming`; absent under app.request(). */
function incomingOf(c: Context): IncomingMessage | undefined {
  const env = c.env as { incoming?: IncomingMessage } | undefined;
  return env?.incoming && typeof env.incoming.on === 'function' ? env.incoming : undefined;
}

/** Reads Node's request stream itself, stopping once the limit is passed. */
function readIncoming(incoming: IncomingMessage, maxBytes: number): Promise<LimitedBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        done();
        // The rest is left unread; the server drains or closes the connection after the answer.
        incoming.pause();
        resolve(TOO_LARGE);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve({ tooLarge: false, bytes: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size) });
    };
    const onError = (error: Error): void => {
      done();
      reject(error);
    };
    const onClose = (): void => {
      done();
      reject(new Error('the client closed the connection before the request body ended'));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

/** The web Request's body stream, as Hono's bodyLimit reads it, for runtimes without Node's request. */
async function readWebBody(request: Request, maxBytes: number): Promise<LimitedBody> {
  if (!request.body) return { tooLarge: false, bytes: new Uint8Array(0) };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      return TOO_LARGE;
    }
    chunks.push(value);
  }
  return { tooLarge: false, bytes: Buffer.concat(chunks, size) };
}

/**
 * The body of a request, refused past `maxBytes`: at once by its Content-Length, else while it
 * is read. Under @hono/node-server it is read from Node's request directly, so no web Request,
 * body stream or AbortSignal is made for it: a webhook costs its bytes and little more.
 */
export function readLimitedBody(c: Context, maxBytes: number): Promise<LimitedBody> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && c.req.header('transfer-encoding') === undefined && Number.parseInt(declared, 10) > maxBytes) {
    return Promise.resolve(TOO_LARGE);
  }
  const incoming = incomingOf(c);
  return incoming ? readIncoming(incoming, maxBytes) : readWebBody(c.req.raw, maxBytes);
}

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;
/** Decodes as the Fetch standard's json() does: UTF-8, a leading byte order mark dropped. */
const utf8 = new TextDecoder();

/**
 * The body as JSON, as Hono's json validator takes it: a body whose Content-Type is not JSON
 * counts as `{}` (and the schema then says what is missing); JSON that does not parse is a 400.
 */
export function parseJsonBody(c: Context, bytes: Uint8Array): unknown {
  const contentType = c.req.header('content-type');
  const mediaType = contentType ? (contentType.split(';')[0] ?? '').trim().toLowerCase() : '';
  if (!JSON_MEDIA_TYPE.test(mediaType)) return {};
  try {
    return JSON.parse(utf8.decode(bytes)) as unknown;
  } catch {
    throw new HTTPException(400, { message: 'Malformed JSON in request body' });
  }
}
