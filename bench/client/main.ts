/**
 * The bench page: registers each figure's page-side methods on
 * `window.bench`, which the runner drives through Playwright.
 */
import type { PageFigure } from './shared.js';
import { bulkWrite } from './figures/bulk-write.js';
import { coldOpen } from './figures/cold-open.js';
import { reactiveLoop } from './figures/reactive-loop.js';
import { singleWrite } from './figures/single-write.js';
import { storage } from './figures/storage.js';
import { propagation } from './figures/propagation.js';
import { propagationFloor } from './figures/propagation-floor.js';
import { lateJoiner } from './figures/late-joiner.js';

const figures: Record<string, PageFigure> = {
  'single-write': singleWrite,
  'bulk-write': bulkWrite,
  'reactive-loop': reactiveLoop,
  'cold-open': coldOpen,
  storage,
  propagation,
  'propagation-floor': propagationFloor,
  'late-joiner': lateJoiner,
};

(window as unknown as { bench: unknown }).bench = {
  call(figure: string, method: string, arg: unknown): Promise<unknown> {
    const fn = figures[figure]?.[method];
    if (!fn) throw new Error(`No page method ${figure}.${method}`);
    return fn(arg);
  },
};
