/** `error`: the server's typed answer to a message it refused. */
import * as v from 'valibot';

/**
 * A code from core's ErrorCode table (SCREAMING_SNAKE, led by its area). The
 * wire accepts any such code, so a newer server's codes never make an older
 * client's decoder fail: clients treat codes they do not know as generic.
 */
export const ErrorCodeSchema = v.pipe(v.string(), v.regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'Expected an error code in SCREAMING_SNAKE case'));

/**
 * Server → client: a refused message (nothing was changed) or the reason for
 * an imminent close. `details` is plain JSON (for PROTOCOL_INVALID_MESSAGE it
 * holds `path`, the keys leading to the problem).
 */
export const ErrorMessageSchema = v.object({
  type: v.literal('error'),
  code: ErrorCodeSchema,
  message: v.string(),
  details: v.optional(v.record(v.string(), v.unknown())),
});

export type ErrorMessage = v.InferOutput<typeof ErrorMessageSchema>;
