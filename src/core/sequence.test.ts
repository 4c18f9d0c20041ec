import { describe, expect, it } from 'vitest';
import { ASIDE, decodeSequence, levelSteps } from './sequence';

/** Class c at `conf`, its neighbours at 0.15 each (the identifier's usual doubt), the rest shared. */
const confident = (c: number, k = 24, conf = 0.6): number[] => {
  const p = Array.from({ length: k }, (_, i) => (i === c ? conf : Math.abs(i - c) === 1 ? 0.15 : 0));
  const rest = (1 - p.reduce((a, b) => a + b, 0)) / p.filter((x) => x === 0).length;
  return p.map((x) => x || rest);
};

describe('sequence decoding', () => {
  it('measures gaps in local spacings', () => {
    const s = levelSteps([0, 25, 50, 100, 125, 150]);
    expect(s[0]).toBe(1);
    expect(s[1]).toBeCloseTo(1, 6);
    expect(s[3]).toBeCloseTo(2, 6);
  });

  it('keeps a consistent argmax, repairs a repeated level, honours fixed classes', () => {
    expect(decodeSequence([5, 6, 7].map((c) => confident(c)), [1, 1, 1])).toEqual([5, 6, 7]);
    expect(decodeSequence([5, 6, 6, 8].map((c) => confident(c)), [1, 1, 1, 1])).toEqual([5, 6, 7, 8]);
    // The user says the first is C3 (class 2): the rest follow it.
    expect(decodeSequence([5, 6, 7].map((c) => confident(c, 24, 0.5)), [1, 1, 1], [2, null, null])).toEqual([2, 3, 4]);
  });

  it('puts a vertebra below a confident L5 at L6 (class 24), sets aside masks beyond the ends, refuses the impossible', () => {
    // A mask below L5 that looks like L5 again (S1), two below L4, a fragment above C1 that looks
    // like C1: set aside, the chain not shifted.
    expect(decodeSequence([22, 23, 23].map((c) => confident(c)), [1, 1, 1])).toEqual([22, 23, ASIDE]);
    expect(decodeSequence([20, 21, 22, 23, 23, 21].map((c) => confident(c)), new Array(6).fill(1))).toEqual([20, 21, 22, 23, ASIDE, ASIDE]);
    expect(decodeSequence([confident(0, 24, 0.3), ...[0, 1, 2].map((c) => confident(c))], [1, 1, 1, 1])).toEqual([ASIDE, 0, 1, 2]);
    // Once the user has fixed a level nothing is set aside by the decoder.
    expect(decodeSequence([22, 23, 23].map((c) => confident(c)), [1, 1, 1], [null, 23, null])).toEqual([22, 23, 24]);
    // More masks than levels: the chain still only climbs.
    const many = decodeSequence(Array.from({ length: 27 }, (_, i) => confident(Math.min(i, 23))), new Array(27).fill(1))!.filter((c) => c !== ASIDE);
    expect(many.every((c, i) => i === 0 || c > many[i - 1]!)).toBe(true);
    expect(decodeSequence([5, 6].map((c) => confident(c)), [1, 1], [7, 3])).toBeNull(); // corrections out of order
    expect(decodeSequence([], [])).toEqual([]);
  });
});
