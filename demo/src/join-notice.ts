/**
 * What the demo says after a join. Joining resets this device into the
 * library's history under a NEW replica id: the server knows the library's
 * replicas by id, and this device's old id carries changes the library never
 * saw, so they stay apart in the archive instead of being merged unasked.
 */
import { plural } from './format.js';

export interface ReplicaChange {
  readonly library: string;
  readonly from: string;
  readonly to: string;
  /** Changes of the old id that moved to the archive; undefined when this tab did not run the join. */
  readonly archived: number | undefined;
}

export function joinedText(o: { library: string; previous: string | undefined; change: ReplicaChange | undefined }): string {
  const { library, change } = o;
  const head = `Joined library “${library}”.`;
  if (!change) return `${head}${o.previous ? ` Your previous list stays in library “${o.previous}” on the server.` : ''}`;
  return `${head} ${replicaText(change)}${change.archived === 0 && o.previous ? ` Your previous list stays in library “${o.previous}” on the server.` : ''}`;
}

/** Why the replica id changed, and where the old id's unsynced changes went. */
export function replicaText(change: ReplicaChange): string {
  const why = `This device got a new replica ID because it joined the history of library “${change.library}” (it was ${change.from}).`;
  switch (change.archived) {
    case undefined:
      return `${why} Changes of the old ID that had not synced are in the archive.`;
    case 0:
      return `${why} The old ID had no unsynced changes, so nothing was archived.`;
    default:
      return `${why} Its ${plural(change.archived, 'unsynced change')} moved to the archive below: download or re-apply them there.`;
  }
}
