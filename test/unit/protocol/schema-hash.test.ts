/**
 * Guards protocol drift (like Zero's protocol-version.test.ts): a canonical
 * description of every wire schema and limit is hashed; the hash recorded
 * here belongs to one PROTOCOL_VERSION. Changing a schema without bumping the
 * version fails; after bumping, record the new hash.
 */
import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import * as protocol from 'trellis/protocol';

const RECORDED = { version: 5, hash: '03becf663b16aa1f0471a10a5d9dc3511fa0406439c7eeb37b6f645c0570aac4' } as const;

/** The structure of a valibot schema: kinds, types, literals, requirements and messages; no functions. */
function describeSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(describeSchema);
  if (node instanceof RegExp) return node.source;
  if (typeof node !== 'object' || node === null) return typeof node === 'function' ? 'fn' : node;
  const schema = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of ['kind', 'type', 'expects', 'literal', 'key', 'message', 'requirement', 'options', 'item', 'wrapped', 'value'] as const) {
    if (key in schema) out[key] = describeSchema(schema[key]);
  }
  if (typeof schema.entries === 'object' && schema.entries !== null) {
    out.entries = Object.fromEntries(Object.entries(schema.entries).map(([k, entry]) => [k, describeSchema(entry)]));
  }
  if (Array.isArray(schema.pipe)) out.pipe = schema.pipe.slice(1).map(describeSchema);
  return out;
}

function protocolHash(schemas: Record<string, unknown>): string {
  const limits = {
    MAX_FRAME_BYTES: protocol.MAX_FRAME_BYTES,
    TRANSPORT_MAX_BYTES: protocol.TRANSPORT_MAX_BYTES,
    MAX_OPS_PER_PUSH: protocol.MAX_OPS_PER_PUSH,
    SNAPSHOT_CHUNK_BYTES: protocol.SNAPSHOT_CHUNK_BYTES,
    MAX_NAME_LENGTH: protocol.MAX_NAME_LENGTH,
    MAX_PATH_SEGMENTS: protocol.MAX_PATH_SEGMENTS,
    MAX_JSON_DEPTH: protocol.MAX_JSON_DEPTH,
    MAX_POSITION_LENGTH: protocol.MAX_POSITION_LENGTH,
    MAX_EPOCH_LENGTH: protocol.MAX_EPOCH_LENGTH,
    MAX_BAD_FRAMES: protocol.MAX_BAD_FRAMES,
    MAX_PRESENCE_BYTES: protocol.MAX_PRESENCE_BYTES,
    MAX_PROFILE_BYTES: protocol.MAX_PROFILE_BYTES,
    MAX_ENVELOPE_BYTES: protocol.MAX_ENVELOPE_BYTES,
    MAX_OP_BYTES: protocol.MAX_OP_BYTES,
    MAX_BASELINE_BYTES: protocol.MAX_BASELINE_BYTES,
    CloseCode: protocol.CloseCode,
  };
  const description = { schemas: Object.fromEntries(Object.entries(schemas).map(([k, s]) => [k, describeSchema(s)])), limits };
  return createHash('sha256').update(JSON.stringify(description)).digest('hex');
}

/** The packed forms of ops and snapshot frames (protocol/packed.ts) are wire too: their envelopes count in the hash. */
const WIRE = {
  client: protocol.ClientMessageSchema,
  server: protocol.ServerMessageSchema,
  packedOps: protocol.PackedOpsSchema,
  packedSnapshot: protocol.PackedSnapshotSchema,
};

describe('protocol drift', () => {
  test('the wire schemas hash to the value recorded for this PROTOCOL_VERSION', () => {
    const hash = protocolHash(WIRE);
    if (protocol.PROTOCOL_VERSION === RECORDED.version) {
      expect(hash, `The wire changed: bump PROTOCOL_VERSION (src/protocol/version.ts, with a history line), then record the new hash ${hash} here.`).toBe(RECORDED.hash);
    } else {
      expect.fail(`PROTOCOL_VERSION is now ${protocol.PROTOCOL_VERSION}: set RECORDED to { version: ${protocol.PROTOCOL_VERSION}, hash: '${hash}' }.`);
    }
  });

  test('the hash notices a changed field', () => {
    const changed = v.variant('type', [...protocol.ClientMessageSchema.options.slice(1), v.object({ ...protocol.HelloSchema.entries, atRisk: v.optional(v.number()) })]);
    expect(protocolHash({ ...WIRE, client: changed })).not.toBe(protocolHash(WIRE));
  });

  test('the hash notices a changed limit inside a pipe', () => {
    const push = v.object({ type: v.literal('push'), ops: v.pipe(v.array(protocol.OpSchema), v.minLength(1), v.maxLength(999)) });
    const changed = v.variant('type', [...protocol.ClientMessageSchema.options.filter((s) => s !== protocol.PushSchema), push]);
    expect(protocolHash({ ...WIRE, client: changed })).not.toBe(protocolHash(WIRE));
  });
});
