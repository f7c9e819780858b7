/** A raw protocol client on a MemoryServer: frames in, decoded server messages out, synchronously. */
import { decodeServerMessage } from 'trellis/protocol';
import type { Frame, ServerMessage } from 'trellis/protocol';
import type { MemoryServer } from 'trellis/testing';

export interface RawClient {
  /** Every message received, in order. */
  readonly inbox: ServerMessage[];
  /** How the server closed the socket, if it did. */
  closedWith(): { code: number; reason: string } | undefined;
  /** Frames the server sent that do not decode (must stay empty). */
  readonly undecodable: string[];
  send(frame: Frame): void;
  disconnect(): void;
}

export function rawClient(memory: MemoryServer, o: { library: string; token: string | null }): RawClient {
  const inbox: ServerMessage[] = [];
  const undecodable: string[] = [];
  let closedWith: { code: number; reason: string } | undefined;
  const conn = memory.connect(
    {
      send: (frame) => {
        const decoded = decodeServerMessage(frame);
        if (decoded.ok) inbox.push(decoded.value);
        else undecodable.push(frame.slice(0, 200));
      },
      close: (code, reason) => {
        closedWith ??= { code, reason };
      },
    },
    { library: o.library, token: o.token },
  );
  return {
    inbox,
    undecodable,
    closedWith: () => closedWith,
    send: (frame) => conn.receive(frame),
    disconnect: () => conn.closed(),
  };
}
