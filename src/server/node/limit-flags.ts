/**
 * `trellis-server` flags for every server limit (SyncLimits, and the file
 * server's upload limits). The table is typed by SyncLimits' keys, so a limit
 * added there without a flag fails to compile here.
 */
import { ErrorCode, TrellisError } from '../../core/index.js';
import { MAX_FRAME_BYTES, MAX_OPS_PER_PUSH, SNAPSHOT_CHUNK_BYTES } from '../../protocol/index.js';
import { DEFAULT_LIMITS, DEFAULT_UPLOAD_LIMITS, parseDuration } from '../core/index.js';
import type { SyncLimits } from '../core/index.js';

/** count: a whole number; size: bytes, or with k, m, g (KiB, MiB, GiB); duration: 45s, 15m, 1h, 1d (milliseconds in the option). */
type Kind = 'count' | 'size' | 'duration';

interface FlagSpec {
  readonly flag: string;
  readonly kind: Kind;
  readonly help: string;
  /** Smallest accepted value (default 1). */
  readonly min?: number;
  /** Largest accepted value: the protocol's, where a server may only be stricter. */
  readonly max?: number;
}

export const LIMIT_FLAGS: { readonly [K in keyof SyncLimits]: FlagSpec } = {
  maxFrameBytes: { flag: 'max-frame-size', kind: 'size', max: MAX_FRAME_BYTES, help: 'largest frame accepted' },
  maxOpsPerPush: { flag: 'max-ops-per-push', kind: 'count', max: MAX_OPS_PER_PUSH, help: 'most ops in one push' },
  maxSeedBytes: { flag: 'max-seed-size', kind: 'size', help: 'most bytes one seed may buffer' },
  chunkBytes: { flag: 'chunk-size', kind: 'size', max: SNAPSHOT_CHUNK_BYTES, help: 'target size of a snapshot or catch-up frame' },
  maxBadFrames: { flag: 'max-bad-frames', kind: 'count', min: 0, help: 'undecodable frames tolerated per connection' },
  maxConnectionsPerLibrary: { flag: 'max-connections-per-library', kind: 'count', help: 'connections one library may have' },
  maxConnectionsPerToken: { flag: 'max-connections-per-token', kind: 'count', help: 'connections one token may have' },
  maxConnectionsPerUser: { flag: 'max-connections-per-user', kind: 'count', help: 'connections one user may have to one library' },
  maxMessagesPerSecond: { flag: 'max-messages-per-second', kind: 'count', help: 'sustained frames per second per connection' },
  messageBurst: { flag: 'message-burst', kind: 'count', help: 'frames a connection may send at once above that rate' },
  maxPeerMessagesPerSecond: { flag: 'max-peer-messages-per-second', kind: 'count', help: 'sustained frames per second on a link with another server' },
  peerMessageBurst: { flag: 'peer-message-burst', kind: 'count', help: 'frames a server link may send at once above that rate' },
  maxSocketQueueBytes: { flag: 'max-socket-queue', kind: 'size', help: 'bytes queued to a socket that does not read, beyond its catch-up, before it is closed' },
  maxClockAheadMs: { flag: 'max-clock-ahead', kind: 'duration', min: 0, help: "how far ahead of the server's clock an op may be stamped (a day is a good value)" },
  compactEveryOps: { flag: 'compact-every', kind: 'count', help: 'compact after a cursor once the horizon moved this many ops' },
  compactSliceOps: { flag: 'compact-slice', kind: 'count', help: 'most ops one compaction step squashes' },
};

/** The file server's limits, which live outside SyncLimits. */
export const UPLOAD_FLAGS = {
  maxUploads: { flag: 'max-uploads', kind: 'count', help: 'uploads in progress at once, all users (with --files)' },
  maxUploadsPerUser: { flag: 'max-uploads-per-user', kind: 'count', help: 'uploads in progress at once for one user (with --files)' },
} as const satisfies Record<string, FlagSpec>;

/** Every flag above as util.parseArgs options. */
export const LIMIT_PARSE_OPTIONS = Object.fromEntries(
  [...Object.values(LIMIT_FLAGS), ...Object.values(UPLOAD_FLAGS)].map((spec) => [spec.flag, { type: 'string' as const }]),
);

const SIZE = /^(\d+)([kmg]?)i?b?$/i;
const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Bytes in `1048576`, `512k`, `8m`, `1g` (also `8MiB`, `8mb`); undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  return match === null ? undefined : Number(match[1]) * (UNITS[(match[2] as string).toLowerCase()] as number);
}

function parseValue(spec: FlagSpec, text: string): number {
  const min = spec.min ?? 1;
  const value = spec.kind === 'size' ? parseSize(text) : spec.kind === 'count' ? (/^\d+$/.test(text.trim()) ? Number(text) : undefined) : milliseconds(text);
  const example = spec.kind === 'size' ? 'a size such as 1048576, 512k or 8m' : spec.kind === 'count' ? 'a whole number' : 'a duration such as 90s, 1h or 1d';
  if (value === undefined || !Number.isSafeInteger(value) || value < min || (spec.max !== undefined && value > spec.max)) {
    const range = spec.max === undefined ? `at least ${min}` : `from ${min} to ${spec.max}`;
    throw new TrellisError(ErrorCode.CLI_INVALID_FLAG, `--${spec.flag} must be ${example}, ${range}${spec.kind === 'size' ? ' bytes' : ''}; got "${text}"`);
  }
  return value;
}

/** Milliseconds in a duration flag; undefined when it is not one. */
function milliseconds(text: string): number | undefined {
  try {
    return Math.round(parseDuration(text) * 1000);
  } catch {
    return undefined;
  }
}

/** The limits the flags set (only those given), or throws CLI_INVALID_FLAG naming the flag. */
export function parseLimitFlags(values: Record<string, unknown>): { limits?: Partial<SyncLimits>; maxUploads?: number; maxUploadsPerUser?: number } {
  const pick = <T extends Record<string, FlagSpec>>(table: T) =>
    Object.fromEntries(
      Object.entries(table)
        .filter(([, spec]) => typeof values[spec.flag] === 'string')
        .map(([key, spec]) => [key, parseValue(spec, values[spec.flag] as string)]),
    ) as Partial<Record<keyof T, number>>;
  const limits = pick(LIMIT_FLAGS);
  return { ...(Object.keys(limits).length === 0 ? {} : { limits }), ...pick(UPLOAD_FLAGS) };
}

/** The --help lines, with each default. */
export function limitUsage(): string {
  const defaults: Record<string, number> = { ...DEFAULT_LIMITS, ...DEFAULT_UPLOAD_LIMITS };
  const lines = Object.entries({ ...LIMIT_FLAGS, ...UPLOAD_FLAGS }).map(([key, spec]) => {
    const value = defaults[key] as number;
    const shown = value === Number.POSITIVE_INFINITY ? 'off' : spec.kind === 'size' ? sizeText(value) : spec.kind === 'duration' ? `${value / 1000}s` : String(value);
    return `  --${spec.flag} <${spec.kind === 'count' ? 'n' : spec.kind === 'size' ? 'size' : 'd'}>\n                     ${spec.help} (default ${shown})`;
  });
  return ['Limits (SECURITY.md; sizes in bytes or with k, m, g; durations such as 1h, 1d):', ...lines].join('\n');
}

function sizeText(bytes: number): string {
  for (const [unit, size] of [['g', 1024 ** 3], ['m', 1024 ** 2], ['k', 1024]] as const) if (bytes % size === 0) return `${bytes / size}${unit}`;
  return String(bytes);
}
