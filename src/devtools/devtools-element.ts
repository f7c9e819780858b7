/**
 * The panel as a custom element, for pages that prefer markup:
 *
 *   defineDevtoolsElement();                      // registers <trellis-devtools>
 *   const panel = document.createElement('trellis-devtools') as DevtoolsElement;
 *   panel.options = { store, sync };
 *   document.body.append(panel);
 *
 * It mounts when connected and given options, and unmounts when removed.
 */
import { mountDevtools, type DevtoolsOptions } from './mount-devtools.js';

export interface DevtoolsElement extends HTMLElement {
  /** Setting it (re)mounts the panel while the element is in the document. */
  options: DevtoolsOptions | undefined;
}

export const DEVTOOLS_TAG = 'trellis-devtools';

/** Registers the element under `tag` (default `trellis-devtools`) once; later calls with a registered tag do nothing. */
export function defineDevtoolsElement(tag: string = DEVTOOLS_TAG): void {
  if (customElements.get(tag)) return;
  // Declared here, not at module level: HTMLElement exists only in browsers, and importing devtools must not throw elsewhere.
  class TrellisDevtools extends HTMLElement implements DevtoolsElement {
    #options: DevtoolsOptions | undefined;
    #unmount: (() => void) | undefined;
    get options() {
      return this.#options;
    }
    set options(options) {
      this.#options = options;
      this.#remount();
    }
    connectedCallback() {
      this.#remount();
    }
    disconnectedCallback() {
      this.#unmount?.();
      this.#unmount = undefined;
    }
    #remount() {
      this.#unmount?.();
      this.#unmount = this.isConnected && this.#options ? mountDevtools(this, this.#options) : undefined;
    }
  }
  customElements.define(tag, TrellisDevtools);
}
