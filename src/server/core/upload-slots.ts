/**
 * Concurrent file uploads. Where storage cannot stream (R2 needs the length
 * first) an upload's body is held in memory until it is stored, up to
 * `maxFileSize` each; where it streams (Node) an open upload still holds a
 * temporary file and a descriptor. So a token holder starting many uploads and
 * never finishing them is bounded: each upload takes a slot from its user and
 * from the server before any byte is read, and gives both back when it is
 * stored or fails.
 */
import { ErrorCode, TrellisError } from '../../core/index.js';

export interface UploadLimits {
  /** Uploads in progress on this file server, all users together. */
  readonly maxUploads: number;
  /** Uploads in progress for one user (the token's `sub`, any library). */
  readonly maxUploadsPerUser: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = { maxUploads: 8, maxUploadsPerUser: 4 };

export interface UploadSlots {
  /** A slot for `user`'s upload, and the function that releases it (idempotent); throws SERVER_LIMIT_EXCEEDED when none is free. */
  take(user: string): () => void;
}

export function createUploadSlots(limits: UploadLimits): UploadSlots {
  const byUser = new Map<string, number>();
  let total = 0;
  return {
    take(user) {
      const mine = byUser.get(user) ?? 0;
      if (mine >= limits.maxUploadsPerUser) throw busy({ limit: 'uploadsPerUser', max: limits.maxUploadsPerUser, who: 'This user has' });
      if (total >= limits.maxUploads) throw busy({ limit: 'uploads', max: limits.maxUploads, who: 'This server has' });
      byUser.set(user, mine + 1);
      total++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total--;
        const left = (byUser.get(user) ?? 1) - 1;
        if (left === 0) byUser.delete(user);
        else byUser.set(user, left);
      };
    },
  };
}

/** `uploadsPerUser` is answered 429 (this client is over its share), `uploads` 503 (the server is busy): see files.ts. */
function busy(o: { limit: 'uploads' | 'uploadsPerUser'; max: number; who: string }): TrellisError {
  return new TrellisError(ErrorCode.SERVER_LIMIT_EXCEEDED, `${o.who} ${o.max} uploads in progress, as many as the server allows; retry once one finished. Nothing was stored.`, {
    details: { limit: o.limit, max: o.max },
  });
}
