/**
 * A request body read into memory, at most `limit` bytes: the one reader of
 * the Node routes (files, admin, HTTP sync). Past the limit it stops keeping
 * bytes and answers `undefined`; the rest is read and dropped, because closing
 * would reset the connection under a client still sending, which then never
 * sees the answer. A body an app's parser (Express's `express.json()`) already
 * read is taken from `req.body`.
 */
import type { IncomingMessage } from 'node:http';

export function readBodyWithin(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const parsed = (req as IncomingMessage & { body?: unknown }).body;
  if (req.readableEnded && parsed !== undefined) {
    const bytes = Buffer.isBuffer(parsed) ? parsed : Buffer.from(typeof parsed === 'string' ? parsed : JSON.stringify(parsed), 'utf8');
    return Promise.resolve(bytes.length > limit ? undefined : bytes);
  }
  if (Number(req.headers['content-length']) > limit) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume();
      resolve(undefined);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}
