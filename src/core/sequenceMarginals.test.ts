import { describe, expect, it } from 'vitest';
import { ASIDE, SEQUENCE, type SequenceOptions, decodeSequence, sequenceMarginals } from './sequence';

const K = 24;
const L6 = K, PRE = K + 1, POST = K + 2;

/** Each vertebra's probabilities: `conf` on class c, the rest spread over its neighbours and all. */
function probs(classes: number[], conf: number): Float64Array[] {
  return classes.map((c) => {
    const p = new Float64Array(K).fill((1 - conf) / (2 * K));
    p[c] = p[c]! + conf;
    if (c > 0) p[c - 1] = p[c - 1]! + (1 - conf) / 4;
    if (c < K - 1) p[c + 1] = p[c + 1]! + (1 - conf) / 4;
    const s = p.reduce((a, b) => a + b, 0);
    return p.map((x) => x / s);
  });
}

/**
 * The model stated on its own, by enumeration: set-aside masks before the chain (PRE), then levels
 * strictly increasing (L6 only after a class), then set-aside masks after it (POST); ln weight =
 * Σ ln p − λ·|step − gap| between chain members, the set-aside prior per mask outside it.
 */
function bruteForce(f: Float64Array[], steps: number[], opt: SequenceOptions): { marg: Float64Array[]; best: number[] } {
  const n = f.length;
  const marg = f.map(() => new Float64Array(K + 2));
  let z = 0, bestW = -Infinity, best: number[] = [];
  const states = [...Array(K + 3).keys()];
  const walk = (seq: number[]): void => {
    if (seq.length === n) {
      if (seq.at(-1) === PRE) return; // at least one vertebra in the chain
      let w = 0;
      for (let i = 0; i < n; i++) {
        const s = seq[i]!;
        w += s === PRE || s === POST ? Math.log(opt.asidePrior) : Math.log(s === L6 ? opt.l6Prior : f[i]![s]!);
        const prev = seq[i - 1];
        if (i > 0 && prev !== undefined && prev <= L6 && s <= L6) w -= opt.stepCost * Math.abs(s - prev - steps[i]!);
      }
      const e = Math.exp(w / opt.temperature);
      z += e;
      seq.forEach((s, i) => {
        const j = s === PRE || s === POST ? K + 1 : s;
        marg[i]![j] = marg[i]![j]! + e;
      });
      if (w > bestW) [bestW, best] = [w, seq.map((s) => (s === PRE || s === POST ? ASIDE : s))];
      return;
    }
    const prev = seq.at(-1);
    const allowed = (t: number): boolean =>
      prev === undefined ? t !== POST : prev === PRE ? t !== POST : prev === POST ? t === POST : t === POST || (t <= L6 && t > prev);
    for (const t of states) if (allowed(t)) walk([...seq, t]);
  };
  walk([]);
  return { marg: marg.map((m) => m.map((x) => x / z)), best };
}

describe('sequence marginals', () => {
  it('equal the model enumerated labelling by labelling, whose best is the decode, at any temperature', () => {
    for (const temperature of [1, SEQUENCE.temperature]) {
      const opt = { ...SEQUENCE, temperature };
      for (const [classes, conf, steps] of [[[19, 20, 22], 0.5, [1, 1, 1]], [[3, 3, 5], 0.4, [1, 1, 2]], [[22, 23, 23], 0.6, [1, 1, 1]]] as const) {
        const f = probs([...classes], conf);
        const want = bruteForce(f, [...steps], opt);
        const got = sequenceMarginals(f, [...steps], [], opt)!;
        got.forEach((row, i) => row.forEach((p, c) => expect(p).toBeCloseTo(want.marg[i]![c]!, 9)));
        expect(decodeSequence(f, [...steps], [], opt)).toEqual(want.best);
      }
    }
  });

  it('are sure of a confident chain and unsure of a diffuse one; a fixed class holds', () => {
    const at1 = { ...SEQUENCE, temperature: 1 };
    const sure = sequenceMarginals(probs([19, 20, 21, 22, 23], 0.9), [1, 1, 1, 1, 1], [], at1)!;
    // inside the chain near certain; at its ends the set-aside prior (5 %) keeps its share
    sure.forEach((row, i) => expect(row[19 + i]).toBeGreaterThan(i === 0 || i === 4 ? 0.9 : 0.99));
    const vague = sequenceMarginals(probs([12, 13, 14], 0.3), [1, 1, 1], [], at1)!;
    vague.forEach((row, i) => expect(row[12 + i]).toBeLessThan(0.65));
    const anchored = sequenceMarginals(probs([12, 13, 14], 0.3), [1, 1, 1], [null, 13, null], at1)!;
    expect(anchored[1]![13]).toBeCloseTo(1, 12);
    expect(anchored[0]![12]).toBeGreaterThan(vague[0]![12]!);
    for (const row of [...sure, ...vague, ...anchored]) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // a higher temperature doubts more
    const warm = sequenceMarginals(probs([19, 20, 21, 22, 23], 0.9), [1, 1, 1, 1, 1])!;
    warm.forEach((row, i) => expect(row[19 + i]).toBeLessThan(sure[i]![19 + i]!));
  });

  it('are null where no consistent labelling exists', () => {
    expect(sequenceMarginals(probs([5, 4], 0.9), [1, 1], [5, 4])).toBeNull();
  });
});
