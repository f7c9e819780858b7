/**
 * Every figure, in run order. A new figure is one module in this folder that
 * exports a `Figure` (bench/harness/types.ts), listed here. Client figures
 * drive the bench page (bench/client, one page-side module per figure); a
 * server or network figure starts what it needs itself, on 127.0.0.1.
 */
import type { Figure } from '../harness/types.js';
import { bulkWrite } from './bulk-write.js';
import { bundleSize } from './bundle-size.js';
import { coldOpen } from './cold-open.js';
import { reactiveLoop } from './reactive-loop.js';
import { singleWrite } from './single-write.js';
import { storage } from './storage.js';
import { serverFanOut } from './server-fan-out.js';
import { replicaMemory } from './replica-memory.js';
import { lateJoiner } from './late-joiner.js';
import { propagation } from './propagation.js';
import { serverIngest } from './server-ingest.js';
import { replication } from './replication.js';

export const figures: readonly Figure[] = [singleWrite, bulkWrite, reactiveLoop, coldOpen, bundleSize, storage, propagation, lateJoiner, serverIngest, serverFanOut, replicaMemory, replication];
