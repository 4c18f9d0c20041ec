import { describe, expect, it } from 'vitest';
import { calibration, callsOf } from './calibration';

describe('calibration of shown confidences', () => {
  it('matches each shown label to the true vertebra nearest it, within 20 mm', () => {
    const truth = [{ label: 20, world: [0, 0, 0] as [number, number, number] }, { label: 21, world: [0, 0, -30] as [number, number, number] }];
    const calls = callsOf([
      { label: 20, centroid: [0, 2, 1], confidence: 0.9 },
      { label: 20, centroid: [0, 0, -28], confidence: 0.6 }, // nearest is L2: wrong
      { label: 22, centroid: [0, 0, -80], confidence: 0.5 }, // nothing within 20 mm: not a call
    ], truth);
    expect(calls).toEqual([{ confidence: 0.9, right: true }, { confidence: 0.6, right: false }]);
  });

  it('scores a perfectly calibrated set at ECE 0, and ranks wrong calls below right ones', () => {
    // 10 calls at 0.8, 8 of them right; 20 at 0.95, 19 of them right.
    const calls = [...Array(10).keys()].map((i) => ({ confidence: 0.8, right: i < 8 })).concat([...Array(20).keys()].map((i) => ({ confidence: 0.95, right: i < 19 })));
    const c = calibration(calls, 0.9);
    expect(c.ece).toBeCloseTo(0, 12);
    expect(c).toMatchObject({ calls: 30, wrong: 3, flagged: 10, wrongFlagged: 2 });
    expect(c.brier).toBeCloseTo((8 * 0.04 + 2 * 0.64 + 19 * 0.0025 + 0.9025) / 30, 12);
    // wrong: two at 0.8, one at 0.95; right: 8 at 0.8, 19 at 0.95
    expect(c.auroc).toBeCloseTo((2 * (19 + 8 * 0.5) + 1 * (19 * 0.5)) / (3 * 27), 12);
    expect(c.bins.find((b) => b.lo === 0.7)).toMatchObject({ calls: 10, accuracy: 0.8 });
  });

  it('counts a confidence of exactly 1 in the top bin, and has no AUROC without wrong calls', () => {
    const c = calibration([{ confidence: 1, right: true }], 0.9);
    expect(c.bins.at(-1)!.calls).toBe(1);
    expect(c.auroc).toBeNull();
    expect(c.ece).toBe(0);
  });
});
