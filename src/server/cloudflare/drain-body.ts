/**
 * Reading what is left of a request body before answering it. workerd closes
 * the connection after a response whose request body was left unread, and a
 * client still sending (or whose bytes wait in the socket's receive buffer)
 * then gets a TCP reset (ECONNRESET) instead of the answer: a refused file
 * upload (bad token, too large) was answered with a dropped connection in
 * some runs. Node's http server reads and drops the rest by itself
 * (node-files.ts); here the adapter does it.
 */

/**
 * Bytes read and dropped at most: 100 MiB, Cloudflare's request body limit on
 * the Free and Pro plans, so every body those plans let through gets its
 * answer. A longer body is cancelled after it (its client may see a reset).
 */
export const MAX_DRAIN_BYTES = 100 * 1024 * 1024;

/** Reads and drops the unread rest of `request`'s body, up to `limit` bytes; cancels it beyond. */
export async function drainBody(request: Request, limit = MAX_DRAIN_BYTES): Promise<void> {
  // A body read to its end reads as done at once; a locked one is being read elsewhere.
  if (request.body === null || request.body.locked) return;
  const reader = request.body.getReader();
  let size = 0;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) return;
      size += next.value.byteLength;
      if (size > limit) return void (await reader.cancel());
    }
  } catch {
    // The client went away while sending: nothing is left to answer.
  } finally {
    reader.releaseLock();
  }
}
