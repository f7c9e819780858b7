/**
 * The server API from a Worker: `serverLibrary(env.TRELLIS, name)` calls the
 * library's object (TrellisLibrary.serverApi) over RPC, one call per method.
 */
import { remoteServerLibrary } from '../core/index.js';
import type { RemoteServerLibrary, ServerApiCall, ServerApiResult } from '../core/index.js';

/** What serverLibrary needs of the TRELLIS binding: any namespace whose objects extend TrellisLibrary. */
export interface TrellisNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): unknown;
}

export function serverLibrary(namespace: TrellisNamespace, name: string): RemoteServerLibrary {
  // The stub's RPC type of serverApi is too deep for TypeScript to instantiate; its shape is this.
  const stub = () => namespace.get(namespace.idFromName(name)) as { serverApi(call: ServerApiCall): Promise<ServerApiResult> };
  return remoteServerLibrary({ name, send: (call) => stub().serverApi(call) });
}
