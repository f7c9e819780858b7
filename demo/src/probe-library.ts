/**
 * Does a library exist on the server yet?
 *
 * The demo asks before joining, because joining an EMPTY library would not
 * reset this replica: the server would accept it and seed the new library
 * with this device's whole list (and this replica would then belong to two
 * libraries). Trellis has no "does this library exist" call, so the demo says
 * `hello` as a throwaway replica with a read-only token: a library with
 * history answers `reset`, an empty one `resume` with head 0. Nothing is
 * written for a throwaway read-only replica, and the socket is closed at once.
 */
import { PROTOCOL_VERSION, decodeServerMessage, encodeMessage } from 'trellis/protocol';

export type ProbeResult = 'has-history' | 'empty';

export class ProbeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}

const throwawayReplicaId = () => `probe-${Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('')}`;

export function probeLibrary(o: { syncUrl: string; library: string; token: string }): Promise<ProbeResult> {
  const url = `${o.syncUrl.replace(/\/+$/, '')}/${encodeURIComponent(o.library)}?token=${encodeURIComponent(o.token)}`;
  return new Promise<ProbeResult>((resolve, reject) => {
    const socket = new WebSocket(url);
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(safetyNet);
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close(1000, 'probe done');
      outcome();
    };
    // A safety net for a server that accepts the socket but never answers.
    const safetyNet = setTimeout(() => settle(() => reject(new ProbeError('UNREACHABLE', 'The sync server did not answer.'))), 10_000);
    socket.onopen = () =>
      socket.send(encodeMessage({ type: 'hello', protocol: PROTOCOL_VERSION, replicaId: throwawayReplicaId(), cursor: null, localSeq: 0, atRisk: 0 }));
    socket.onmessage = (event) => {
      const decoded = decodeServerMessage(String(event.data));
      if (!decoded.ok) return;
      const message = decoded.value;
      if (message.type === 'decision') settle(() => resolve(message.decision === 'reset' || message.serverSeq > 0 ? 'has-history' : 'empty'));
      if (message.type === 'error') settle(() => reject(new ProbeError(message.code, message.message)));
    };
    socket.onclose = (event) => settle(() => reject(new ProbeError('UNREACHABLE', `The sync server closed the connection (${event.code}).`)));
  });
}
