import { expect, it } from 'vitest';
import { entropy } from '../fusion';
import { dropoutMasks, meanSoftmax } from './mcDropout';
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
