/**
 * The token check of a connection, as one function an adapter can run before
 * it accepts a socket. `connect` applies the same rules (a missing token, the
 * token provider's verdict, the library named by the URL); an adapter that
 * refuses at the edge (the Cloudflare Worker, so that a bad token never wakes
 * a library's object) answers with `refuseSocket`, which sends exactly what
 * `connect` would: the `error` frame, then the close code.
 */
import { ErrorCode, TrellisError, isTrellisError } from '../../core/index.js';
import { CloseCode, encodeMessage } from '../../protocol/index.js';
import type { Claims, ServerSocket, VerifyToken } from './types.js';

export type Authorization =
  | { readonly ok: true; readonly claims: Claims }
  | { readonly ok: false; readonly error: TrellisError; readonly close: CloseCode };

/**
 *   const verdict = await authorize(tokens.verify, { library, token: url.searchParams.get('token') });
 *   if (!verdict.ok) refuseSocket(socket, verdict);
 *
 * Errors other than AUTH_* ones (a failing verifier) are thrown.
 */
export async function authorize(verifyToken: VerifyToken, o: { library: string; token: string | null | undefined }): Promise<Authorization> {
  if (o.token === undefined || o.token === null || o.token === '') return refusal(missingToken());
  let claims: Claims;
  try {
    claims = await verifyToken(o.token);
  } catch (err) {
    if (!isTrellisError(err) || !err.code.startsWith('AUTH_')) throw err;
    return refusal(err);
  }
  return claims.library === o.library ? { ok: true, claims } : refusal(wrongLibrary());
}

/** Sends the refusal's `error` frame and closes the socket with its code. */
export function refuseSocket(socket: ServerSocket, refused: { error: TrellisError; close: number }): void {
  const { code, message, details } = refused.error;
  socket.send(encodeMessage(Object.keys(details).length === 0 ? { type: 'error', code, message } : { type: 'error', code, message, details }));
  socket.close(refused.close, code);
}

export function missingToken(): TrellisError {
  return new TrellisError(ErrorCode.AUTH_TOKEN_MISSING, 'No token was given; pass ?token= on the URL.');
}

export function wrongLibrary(): TrellisError {
  return new TrellisError(ErrorCode.AUTH_WRONG_LIBRARY, 'The token is for another library; request a token for this one.');
}

export function adminCannotSync(): TrellisError {
  return new TrellisError(ErrorCode.AUTH_FORBIDDEN, 'An admin token administers libraries and cannot sync as a replica; use a read or write token.');
}

export function authCloseCode(code: ErrorCode): CloseCode {
  if (code === ErrorCode.AUTH_TOKEN_EXPIRED) return CloseCode.AUTH_EXPIRED;
  if (code === ErrorCode.AUTH_WRONG_LIBRARY) return CloseCode.AUTH_WRONG_LIBRARY;
  return CloseCode.AUTH_INVALID;
}

function refusal(error: TrellisError): Authorization {
  return { ok: false, error, close: authCloseCode(error.code) };
}
