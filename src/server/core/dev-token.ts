/**
 * Development mode, for a server started without a secret: tokens are signed
 * with a fixed, public secret and anyone may get one from
 * `GET /dev/token?library=<l>&user=<u>&role=read|write` (PROTOCOL.md, section 2).
 * Every adapter answers that endpoint with `answerDevTokenRequest`.
 */
import type { TokenProvider } from './auth.js';

/** Anyone can mint tokens with it: development only. */
export const DEV_SECRET = 'trellis-insecure-development-secret';

/** The status and JSON body for a dev token request: a write token (or read with role=read) for one day. */
export async function answerDevTokenRequest(
  tokens: TokenProvider,
  params: { get(name: string): string | null },
): Promise<{ status: number; body: Record<string, string> }> {
  const library = params.get('library');
  if (library === null || library === '') return { status: 400, body: { error: 'library is required' } };
  const role = params.get('role') === 'read' ? 'read' : 'write';
  const user = params.get('user') || 'dev';
  return { status: 200, body: { token: await tokens.issue({ library, user, role, expiresIn: '1d' }) } };
}
