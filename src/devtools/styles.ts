/** The panel's own styles, scoped under `.trellis-devtools` so they neither leak into the app nor depend on it. */
export const DEVTOOLS_CSS = `
.trellis-devtools { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: #1d2433; background: #f7f8fa;
  border: 1px solid #c9ced8; border-radius: 6px; padding: 8px; max-height: 80vh; overflow: auto; box-sizing: border-box; }
.trellis-devtools * { box-sizing: border-box; }
.trellis-devtools h3 { margin: 0 0 6px; font-size: 13px; }
.trellis-devtools h4 { margin: 8px 0 4px; font-size: 12px; }
.trellis-devtools .td-section { border-top: 1px solid #dde1e8; padding: 4px 0; }
.trellis-devtools summary { cursor: pointer; font-weight: 600; padding: 2px 0; }
.trellis-devtools summary:focus-visible, .trellis-devtools button:focus-visible, .trellis-devtools input:focus-visible,
.trellis-devtools select:focus-visible { outline: 2px solid #2f6fd0; outline-offset: 1px; }
.trellis-devtools .td-facts { margin: 4px 0; }
.trellis-devtools .td-fact { display: flex; gap: 8px; }
.trellis-devtools dt { min-width: 12em; color: #5a6478; }
.trellis-devtools dd { margin: 0; overflow-wrap: anywhere; }
.trellis-devtools .td-table { border-collapse: collapse; width: 100%; }
.trellis-devtools .td-table th, .trellis-devtools .td-table td { border-bottom: 1px solid #e3e6ec; padding: 2px 6px; text-align: left;
  vertical-align: top; overflow-wrap: anywhere; }
.trellis-devtools .td-table th { white-space: nowrap; }
.trellis-devtools .td-form input { width: auto; flex: 1 1 12em; }
.trellis-devtools pre { margin: 0; padding: 4px; background: #fff; border: 1px solid #e3e6ec; white-space: pre-wrap; overflow-wrap: anywhere; }
.trellis-devtools .td-muted { color: #5a6478; margin: 2px 0; }
.trellis-devtools .td-form { display: flex; gap: 4px; flex-wrap: wrap; margin: 4px 0; }
.trellis-devtools button, .trellis-devtools input, .trellis-devtools select { font: inherit; }
`;
