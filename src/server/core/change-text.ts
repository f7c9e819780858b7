/**
 * An op's change as the JSON text the op log stores, encoded once per op: the
 * authoritative server sizes it for its cache (judge-push.ts) just before the
 * push stores it (op-log.ts), and each encoding of a 200-byte put costs about
 * as much as validating it (bench server-ingest). Ops are never mutated once
 * decoded, so the text stays theirs.
 */
import type { Op } from '../../core/index.js';

const texts = new WeakMap<Op, string>();

/** Encodes and keeps the text (the judge, which sizes the change before it is stored). */
export function changeText(op: Op): string {
  let text = texts.get(op);
  if (text === undefined) {
    text = JSON.stringify(op.change);
    texts.set(op, text);
  }
  return text;
}

/** The kept text, or a fresh encoding that is not kept (the op log: a push without a judge keeps nothing). */
export function storedChangeText(op: Op): string {
  return texts.get(op) ?? JSON.stringify(op.change);
}
