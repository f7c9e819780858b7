/**
 * Files over HTTP, beside the socket: uploads of the store's `local` files
 * (`PUT <http url>/<library>/files/<id>`) whenever sync is live, and lazy
 * downloads (`GET`) when a handle's `url()`/`blob()` needs bytes this replica
 * lacks. Both send the library's token as `Authorization: Bearer`.
 *
 * Resume is per file: a file still `local` or `uploading` (cut off by a
 * disconnect, a crash or a closed tab) is uploaded again, whole, on the next
 * reconnect or after a backoff. A refused file (FILE_TOO_LARGE) turns
 * `rejected` and is not retried; refusals and failures show as `error` in
 * the sync state.
 *
 * After an eviction the server may have collected a library's files (no
 * document referenced them for the grace period) while replicas still hold
 * them as `uploaded`. Whenever this replica's cursor names a library epoch
 * (a new one after an eviction) that its files were not yet checked against,
 * the upload loop asks the server (`HEAD`) for each `uploaded` file and
 * uploads the ones it lacks again, before anything else: the replica that
 * restores the library by its seed, and every replica reset into it.
 */
import type { Observable } from 'rxjs';
import { ErrorCode, TrellisError, isTrellisError } from '../core/index.js';
import type { ErrorCode as Code } from '../core/index.js';
import type { FileRef } from '../schema/index.js';
import type { FileHost, FileRow, StoreHost } from '../store/index.js';
import type { SyncState } from '../sync/index.js';
import { cursorKeyOf } from '../sync/internals.js';

export interface FileEndpoint {
  /** The sync URL (`ws(s)://…/parties/trellis`); files live under its http(s) twin. */
  readonly url: string;
  readonly library: string;
  readonly token?: string | undefined;
  readonly getToken?: (() => Promise<string> | string) | undefined;
}

export interface FileSyncOptions {
  readonly host: StoreHost;
  /** The store's file support (`host.files`, present since the store was opened with files()). */
  readonly files: FileHost;
  readonly endpoint: FileEndpoint;
  readonly state: Observable<SyncState>;
  readonly onError: (error: { code: string; message: string }) => void;
}

const BATCH = 4;
const MAX_BACKOFF_MS = 30_000;

/** The library epoch whose server was last found holding every `uploaded` file of this store. */
const checkedEpochKey = (library: string) => `files:checked:${library}`;

/** GET or PUT one file with the library's token; a network failure becomes FILE_TRANSFER_FAILED. */
function fileRequest(endpoint: FileEndpoint) {
  const base = `${endpoint.url.replace(/^ws/, 'http').replace(/\/+$/, '')}/${encodeURIComponent(endpoint.library)}/files/`;
  return async (id: string, init: RequestInit): Promise<Response> => {
    const token = endpoint.getToken ? await endpoint.getToken() : (endpoint.token as string);
    try {
      return await fetch(base + encodeURIComponent(id), { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } });
    } catch (err) {
      throw new TrellisError(ErrorCode.FILE_TRANSFER_FAILED, `The file server could not be reached (${String(err)}); the transfer is retried.`, { cause: err });
    }
  };
}

/**
 * Lets the store's handles download what this replica lacks. Every tab sets
 * it for itself (followers of a shared connection too), and it outlives
 * `sync.stop()`: it is plain HTTP, beside the socket, until the store closes.
 */
export function startFileDownloads(files: FileHost, endpoint: FileEndpoint): void {
  const request = fileRequest(endpoint);
  files.setDownloader(async (ref: FileRef) => {
    const response = await request(ref.id, { method: 'GET' });
    if (!response.ok) throw await refusal(response);
    return new Blob([await response.arrayBuffer()], { type: ref.type });
  });
}

/** Uploads pending files while sync is live (the tab that holds the connection). */
export function startFileUploads(o: FileSyncOptions): { stop(): void } {
  const request = fileRequest(o.endpoint);
  const files = o.files;
  let stopped = false;
  let live = false;
  let running: Promise<void> | undefined;
  let again = false;
  let backoff = 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Set when sync turns live: the library's epoch may have changed (an eviction) since the files were checked. */
  let recheck = false;

  /** 'done', or 'retry' when the server cannot take it now (it stays pending). */
  const upload = async (file: FileRow): Promise<'done' | 'retry'> => {
    await files.setState(file.id, 'uploading');
    const init = { method: 'PUT', body: file.data, headers: { 'content-type': 'application/octet-stream' } };
    const response = await request(file.id, init).catch((err: TrellisError) => err);
    if (response instanceof Response && response.ok) {
      await files.setState(file.id, 'uploaded');
      return 'done';
    }
    const error = response instanceof Response ? await refusal(response) : response;
    o.onError({ code: error.code, message: error.message });
    // A read token cannot restore a file the server lost: the row stays as it was (uploaded), and is not retried.
    if (file.restoring === true && error.code === ErrorCode.AUTH_FORBIDDEN) {
      await files.setState(file.id, 'uploaded');
      return 'done';
    }
    // Only a refusal of the file itself is final; auth, a missing file store or the network may change.
    const rejected = error.code === ErrorCode.FILE_TOO_LARGE;
    await files.setState(file.id, rejected ? 'rejected' : 'local', rejected ? error.code : undefined);
    return rejected ? 'done' : 'retry';
  };

  /** Marks `uploaded` files the server lacks for upload, once per epoch; false when the server could not answer (retried). */
  const checkServerHolds = async (): Promise<boolean> => {
    const { library } = o.endpoint;
    const epoch = (await o.host.readMeta<{ epoch?: string }>(cursorKeyOf(library)))?.epoch;
    if (epoch === undefined || (await o.host.readMeta<string>(checkedEpochKey(library))) === epoch) return true;
    for (const id of await files.uploadedIds()) {
      if (stopped || !live) return true;
      const response = await request(id, { method: 'HEAD' }).catch((err: TrellisError) => err);
      if (response instanceof Response && response.status === 404) await files.reupload(id);
      else if (!(response instanceof Response) || !response.ok) {
        const error = response instanceof Response ? await refusal(response) : response;
        o.onError({ code: error.code, message: error.message });
        return false;
      }
    }
    if (!stopped && live) await o.host.writeMeta({ [checkedEpochKey(library)]: epoch });
    return true;
  };

  const uploadAll = async (): Promise<void> => {
    if (recheck) {
      recheck = false;
      if (!(await checkServerHolds())) {
        recheck = true;
        return retryLater();
      }
    }
    for (;;) {
      const batch = await files.pendingUploads(BATCH);
      if (batch.length === 0 || stopped || !live) return;
      for (const file of batch) {
        if ((await upload(file)) === 'retry') return retryLater();
      }
      backoff = 1000;
    }
  };

  const retryLater = (): void => {
    clearTimeout(timer);
    timer = setTimeout(pump, backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  };

  function pump(): void {
    if (stopped || !live) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = uploadAll()
      .catch((err: unknown) => o.onError({ code: isTrellisError(err) ? err.code : ErrorCode.STORAGE_FAILED, message: String((err as Error)?.message ?? err) }))
      .finally(() => {
        running = undefined;
        if (!again) return;
        again = false;
        pump();
      });
  }

  const subscriptions = [
    o.state.subscribe((s) => {
      const was = live;
      live = s.phase === 'live';
      if (live && !was) {
        recheck = true;
        pump();
      }
    }),
    o.host.localOps.subscribe(() => pump()),
  ];
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      for (const s of subscriptions) s.unsubscribe();
    },
  };
}

/** The server's typed refusal (JSON `{ code, message }`), or FILE_TRANSFER_FAILED. */
async function refusal(response: Response): Promise<TrellisError> {
  const body = (await response.json().catch(() => undefined)) as { code?: string; message?: string; details?: Record<string, unknown> } | undefined;
  const code = (typeof body?.code === 'string' && body.code in ErrorCode ? body.code : ErrorCode.FILE_TRANSFER_FAILED) as Code;
  return new TrellisError(code, body?.message ?? `The file server answered HTTP ${response.status}.`, { details: { status: response.status, ...body?.details } });
}
