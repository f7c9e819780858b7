/** presence: a live connection's replica says what it is doing (any role may). Checked whole before anything changes. */
import { ErrorCode } from '../../core/index.js';
import { MAX_PRESENCE_BYTES, utf8Length } from '../../protocol/index.js';
import type { PresenceMessage } from '../../protocol/index.js';
import type { ConnectionState, Outcome } from './context.js';
import { refuse } from './outbox.js';
import { updatePresence } from './presence.js';

export function onPresence(conn: ConnectionState, message: PresenceMessage): Outcome {
  const size = utf8Length(JSON.stringify(message.state));
  if (size > MAX_PRESENCE_BYTES) {
    return refuse(ErrorCode.PRESENCE_TOO_LARGE, `A presence state of ${size} bytes exceeds ${MAX_PRESENCE_BYTES}; send ids and positions, not content. The previous presence stays.`, {
      details: { size, limit: MAX_PRESENCE_BYTES },
    });
  }
  updatePresence(conn, message.state);
  return undefined;
}
