/** Which request paths a mounted handler answers: those under its base path. */
import { ErrorCode, TrellisError } from '../../core/index.js';

/** Without a base path: `/parties/<party>`, any party, as the Node server and the Worker always accepted. */
const ANY_PARTY = /^\/parties\/[^/]+(?=\/|$)/;
const BASE_PATH = /^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+$/;

/**
 * A function from a URL's pathname to the part under the base path (`''` or
 * starting with `/`), or undefined when the path is not under it.
 * Throws INVALID_ARGUMENT for a base path that is not `/segment[/segment…]`.
 */
export function basePathMatcher(basePath: string | undefined): (pathname: string) => string | undefined {
  if (basePath === undefined) {
    return (pathname) => {
      const match = ANY_PARTY.exec(pathname);
      return match === null ? undefined : pathname.slice(match[0].length);
    };
  }
  const base = basePath.endsWith('/') ? basePath.slice(0, -1) : basePath;
  if (!BASE_PATH.test(base)) {
    throw new TrellisError(ErrorCode.INVALID_ARGUMENT, `basePath must be a path such as "/sync" or "/api/trellis" (not "/", no query), got ${JSON.stringify(basePath)}.`);
  }
  return (pathname) => {
    if (pathname === base) return '';
    return pathname.startsWith(`${base}/`) ? pathname.slice(base.length) : undefined;
  };
}
