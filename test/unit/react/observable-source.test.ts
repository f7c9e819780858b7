/**
 * The external store behind trellis/react's hooks, without a DOM: loading is
 * not an empty result, the Observable runs only while someone listens, and
 * the snapshot keeps its identity until a new value arrives (no tearing).
 */
import { BehaviorSubject, Observable, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { observableSource } from '../../../src/react/observable-source.js';

describe('observableSource', () => {
  it('is loading until the first value, then ready with it, an empty list included', () => {
    const subject = new Subject<string[]>();
    const source = observableSource(subject);
    expect(source.getSnapshot()).toEqual({ status: 'loading' });
    const stop = source.subscribe(() => undefined);
    subject.next([]);
    expect(source.getSnapshot()).toEqual({ status: 'ready', data: [] });
    stop();
  });

  it('keeps one snapshot object until the next value, and tells every listener of it', () => {
    const subject = new Subject<number>();
    const source = observableSource(subject);
    const told: string[] = [];
    const stops = [source.subscribe(() => told.push('a')), source.subscribe(() => told.push('b'))];
    subject.next(1);
    const first = source.getSnapshot();
    expect(source.getSnapshot()).toBe(first);
    subject.next(2);
    expect(source.getSnapshot()).not.toBe(first);
    expect(told).toEqual(['a', 'b', 'a', 'b']);
    for (const stop of stops) stop();
  });

  it('subscribes once for many listeners and unsubscribes when the last leaves', () => {
    let active = 0;
    const observable = new Observable<number>(() => {
      active++;
      return () => void active--;
    });
    const source = observableSource(observable);
    const a = source.subscribe(() => undefined);
    const b = source.subscribe(() => undefined);
    expect(active).toBe(1);
    a();
    expect(active).toBe(1);
    b();
    expect(active).toBe(0);
  });

  it('reports a failing query as an error, not as loading', () => {
    const subject = new Subject<number>();
    const source = observableSource(subject);
    const stop = source.subscribe(() => undefined);
    subject.error(new Error('boom'));
    expect(source.getSnapshot()).toMatchObject({ status: 'error', error: { message: 'boom' } });
    stop();
  });

  it('with peek, starts ready with the current value of a BehaviorSubject, holding no subscription', () => {
    const subject = new BehaviorSubject({ phase: 'live' });
    const source = observableSource(subject, { peek: true });
    expect(source.getSnapshot()).toEqual({ status: 'ready', data: { phase: 'live' } });
    expect(subject.observed).toBe(false);
  });
});
