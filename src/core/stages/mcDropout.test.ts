import { expect, it } from 'vitest';
import { entropy } from '../fusion';
import { dropoutMasks, mcInput, meanSoftmax } from './mcDropout';
import { orderAlongSpine, typicalSpacing } from './spineOrder';

it('dropout masks: seeded, the right rate, scaled to keep the expectation', () => {
  const a = dropoutMasks(20, 256, 0.3, 42);
  expect(dropoutMasks(20, 256, 0.3, 42)).toEqual(a);
  expect(dropoutMasks(20, 256, 0.3, 43)).not.toEqual(a);
  const zeros = a.filter((v) => v === 0).length / a.length;
  expect(zeros).toBeGreaterThan(0.25);
  expect(zeros).toBeLessThan(0.35);
  expect(new Set(a)).toEqual(new Set([0, Math.fround(1 / 0.7)]));
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  expect(mean).toBeCloseTo(1, 1);
});

it('mean softmax over passes, and entropy: agreeing passes are certain, disagreeing ones are not', () => {
  const agree = meanSoftmax([10, 0, 0, 10, 0, 0], 2, 3);
  expect(agree[0]).toBeGreaterThan(0.99);
  const disagree = meanSoftmax([10, 0, 0, 0, 10, 0], 2, 3);
  expect(disagree[0]).toBeCloseTo(0.5, 3);
  expect(disagree[1]).toBeCloseTo(0.5, 3);
  expect(entropy(disagree)).toBeGreaterThan(entropy(agree) + 0.6);
  expect(agree.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
});

it('orders centres cranial → caudal with positions along the (curved) spine', () => {
  const { order, positions } = orderAlongSpine([
    [0, 0, 0],
    [3, 4, 100],
    [0, 0, 50],
  ]);
  expect(order).toEqual([1, 2, 0]);
  expect(positions[1]).toBeCloseTo(Math.hypot(3, 4, 50), 9);
  expect(positions[2]).toBeCloseTo(Math.hypot(3, 4, 50) + 50, 9);
  expect(typicalSpacing([0, 30, 58, 90])).toBe(30);
});

it('mirror averaging: both embeddings over the same masks, and the mean over all rows is the mean of the two MC means', () => {
  const passes = 5, e = 4, k = 3;
  const masks = dropoutMasks(passes, e, 0.25, 7);
  const a = Float32Array.from([1, -2, 0.5, 3]), b = Float32Array.from([-1, 2, 1.5, 0]);
  const one = mcInput([a], masks, passes);
  expect(one.rows).toBe(passes);
  expect(Array.from(one.masks)).toEqual(Array.from(masks));
  const two = mcInput([a, b], masks, passes);
  expect(two.rows).toBe(2 * passes);
  expect(Array.from(two.x.subarray(passes * e, (passes + 1) * e))).toEqual(Array.from(b));
  expect(Array.from(two.masks.subarray(passes * e))).toEqual(Array.from(masks));
  // A linear "head": logits = W · (x ⊙ mask).
  const head = (x: Float32Array, m: Float32Array, rows: number): Float32Array => {
    const out = new Float32Array(rows * k);
    for (let r = 0; r < rows; r++) for (let c = 0; c < k; c++) for (let f = 0; f < e; f++) out[r * k + c]! += (c - 1) * (f + 1) * 0.3 * x[r * e + f]! * m[r * e + f]!;
    return out;
  };
  const pa = meanSoftmax(head(one.x, one.masks, passes), passes, k);
  const pb = meanSoftmax(head(mcInput([b], masks, passes).x, masks, passes), passes, k);
  const both = meanSoftmax(head(two.x, two.masks, two.rows), two.rows, k);
  for (let c = 0; c < k; c++) expect(both[c]).toBeCloseTo((pa[c]! + pb[c]!) / 2, 10);
});
