import { describe, expect, it } from 'vitest';
import { PAPER_FUSION, argmax, entropy, fuse, shiftPhi, shiftPhiSet } from './fusion';

const k3 = (a: number[]): Float64Array => Float64Array.from(a);

describe('message fusion (Eq. 7)', () => {
  const p = [k3([0.6, 0.3, 0.1]), k3([0.2, 0.5, 0.3]), k3([0.1, 0.2, 0.7])];
  const phi = shiftPhiSet(1, 3);
  // 'literal' weights are the given entropies themselves, which keeps the hand arithmetic short.
  const input = { p, entropy: [0.2, 0.5, 0.4], phi };

  it('matches one hop worked by hand (K = 3, N = 3, θ = 0.5, shift φ)', () => {
    const out = fuse(input, { hops: 1, theta: 0.5, neighbours: 3, weighting: 'literal' });
    // i = 1: ω = 0.2·[0, .6, .3] + 0.4·[.2, .7, 0] = [.08, .40, .06]; (p + ω/2) / 1.27
    const want = [
      [0.725 / 1.2, 0.375 / 1.2, 0.1 / 1.2],
      [0.24 / 1.27, 0.7 / 1.27, 0.33 / 1.27],
      [0.1 / 1.175, 0.25 / 1.175, 0.825 / 1.175],
    ];
    out.forEach((row, i) => row.forEach((v, c) => expect(v).toBeCloseTo(want[i]![c]!, 12)));
  });

  it('returns p unchanged with hops = 0 (and with a single neighbour)', () => {
    for (const params of [{ ...PAPER_FUSION, hops: 0 }, { ...PAPER_FUSION, neighbours: 1 }]) {
      const out = fuse({ p, entropy: p.map(entropy), phi: shiftPhiSet(3, 3) }, params);
      out.forEach((row, i) => expect(Array.from(row)).toEqual(Array.from(p[i]!)));
    }
  });

  it('does not modify its inputs', () => {
    const copy = p.map((r) => Array.from(r));
    fuse(input, { hops: 3, theta: 0.5, neighbours: 3, weighting: 'literal' });
    expect(p.map((r) => Array.from(r))).toEqual(copy);
  });
});

/** A confident sequence T3…L2 (classes 9…20) with one vertebra labelled two levels off. */
function sequence(wrongAt: number): { p: Float64Array[]; truth: number[] } {
  const truth = Array.from({ length: 12 }, (_, i) => 9 + i);
  const p = truth.map((c, i) => {
    const v = new Float64Array(24).fill(0.02 / 21);
    if (i === wrongAt) {
      v[c + 2] = 0.55;
      v[c] = 0.4;
      v[c + 1] = 0.03;
    } else {
      v[c] = 0.9;
      v[c - 1] = 0.04;
      v[c + 1] = 0.04;
    }
    const s = v.reduce((a, b) => a + b, 0);
    return v.map((x) => x / s);
  });
  return { p, truth };
}

describe('fusion at the paper settings', () => {
  it('corrects a single mislabelled vertebra in a confident sequence', () => {
    const { p, truth } = sequence(5);
    expect(argmax(p[5]!)).toBe(truth[5]! + 2);
    const out = fuse({ p, entropy: p.map(entropy), phi: shiftPhiSet() }, PAPER_FUSION);
    expect(out.map(argmax)).toEqual(truth);
  });

  it('the literal (uncertainty-weighted) variant differs from the certainty-weighted one', () => {
    const { p } = sequence(5);
    const a = fuse({ p, entropy: p.map(entropy), phi: shiftPhiSet() }, PAPER_FUSION);
    const b = fuse({ p, entropy: p.map(entropy), phi: shiftPhiSet() }, { ...PAPER_FUSION, weighting: 'literal' });
    expect(Math.abs(a[5]![14]! - b[5]![14]!)).toBeGreaterThan(1e-3);
  });

  it('a vertebra fixed by the user stays fixed and pulls its uncertain neighbours', () => {
    // All vertebrae unsure between two readings one level apart; the user fixes the third.
    const p = Array.from({ length: 6 }, (_, i) => {
      const v = new Float64Array(24).fill(0);
      v[10 + i] = 0.5;
      v[11 + i] = 0.5;
      return v;
    });
    const fixed = [null, null, 13, null, null, null];
    const out = fuse({ p, entropy: p.map(entropy), phi: shiftPhiSet(), fixed }, { ...PAPER_FUSION, theta: 0.5 });
    expect(Array.from(out[2]!)).toEqual(Array.from(shiftPhi(0).slice(13 * 24, 14 * 24)));
    expect(out.map(argmax)).toEqual([11, 12, 13, 14, 15, 16]);
  });

  it('uses distances along the spine when positions are given', () => {
    const { p } = sequence(5);
    const near = fuse({ p, entropy: p.map(entropy), phi: shiftPhiSet(), positions: p.map((_, i) => i * 25), typicalSpacingMm: 25 }, PAPER_FUSION);
    const steps = fuse({ p, entropy: p.map(entropy), phi: shiftPhiSet() }, PAPER_FUSION);
    near.forEach((row, i) => row.forEach((v, c) => expect(v).toBeCloseTo(steps[i]![c]!, 12)));
  });
});
