// The wizard's text fields edit like readline, and a burst of keys (one chunk from the terminal)
// is applied key by key.
import { describe, expect, it } from 'vitest';
import { editLine, type LineKey, type LineState } from '../../src/ui/line-edit.js';

const at = (value: string, cursor = value.length): LineState => ({ value, cursor });
const run = (s: LineState, input: string, key: LineKey = {}) => editLine(s, input, key);

describe('line editing', () => {
  it('Ctrl-A/Home and Ctrl-E/End move to the ends; arrows move by one', () => {
    expect(run(at('abc'), 'a', { ctrl: true }).state).toEqual(at('abc', 0));
    expect(run(at('abc', 1), '', { home: true }).state).toEqual(at('abc', 0));
    expect(run(at('abc', 0), 'e', { ctrl: true }).state).toEqual(at('abc', 3));
    expect(run(at('abc', 0), '', { end: true }).state).toEqual(at('abc', 3));
    expect(run(at('abc', 0), '', { leftArrow: true }).state).toEqual(at('abc', 0));
    expect(run(at('abc', 1), '', { rightArrow: true }).state).toEqual(at('abc', 2));
  });

  it('Ctrl-U deletes to the start, Ctrl-K to the end, Ctrl-W the word before the cursor', () => {
    expect(run(at('hello world', 6), 'u', { ctrl: true }).state).toEqual(at('world', 0));
    expect(run(at('hello world', 5), 'k', { ctrl: true }).state).toEqual(at('hello', 5));
    expect(run(at('hello big world'), 'w', { ctrl: true }).state).toEqual(at('hello big '));
    expect(run(at('hello big  '), 'w', { ctrl: true }).state).toEqual(at('hello '));
  });

  it('typing inserts at the cursor; other Ctrl keys and control characters type nothing', () => {
    expect(run(at('ac', 1), 'b').state).toEqual(at('abc', 2));
    expect(run(at('abc'), 'x', { ctrl: true }).state).toEqual(at('abc'));
    expect(run(at('abc'), '\x1b').state).toEqual(at('abc'));
  });

  it('a burst is applied key by key: repeated Backspace, a paste, control keys inside it, Enter at its end', () => {
    expect(run(at('secret'), '\x7f\x7f\x7f').state).toEqual(at('sec'));
    expect(run(at('ab', 1), 'XYZ').state).toEqual(at('aXYZb', 4));
    expect(run(at('old'), '\x15new\x01>').state).toEqual(at('>new', 1));
    expect(run(at(''), 'pasted\r')).toEqual({ state: at('pasted'), submit: true });
    expect(run(at('x'), '', { return: true }).submit).toBe(true);
  });
});
