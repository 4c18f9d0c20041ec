import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { ROOT } from '../testing/realData';
import { PAPER_FUSION, entropy, fuse, shiftPhiSet } from './fusion';
import { mulberry32 } from './random';

/**
 * φ is learned in PyTorch (training/fusion.py) and applied here: both must compute the same Eq. 7,
 * or the learned matrices would be tuned for a different rule. Random sequences, both weightings.
 */
it('training/fusion.py and fuse() agree to 1e-9 on random sequences', () => {
  const rand = mulberry32(7);
  const cases = [5, 9, 17].map((n) =>
    Array.from({ length: n }, () => {
      const p = Array.from({ length: 24 }, () => rand() ** 4);
      const s = p.reduce((a, b) => a + b, 0);
      return p.map((x) => x / s);
    }),
  );
  const settings = [PAPER_FUSION, { ...PAPER_FUSION, weighting: 'literal' as const, theta: 0.4, neighbours: 5, hops: 2 }];
  const py = `
import json, sys, torch
from training.fusion import fuse, shift_phi, OFFSETS
torch.set_default_dtype(torch.float64)
cases, settings = json.load(sys.stdin)
phi = {d: shift_phi(d).double() for d in OFFSETS}
out = []
for c in cases:
    p = torch.tensor(c)
    h = -(p * p.log()).sum(1)
    out.append([fuse(p, h, phi, s['hops'], s['theta'], s['neighbours'], s['weighting']).tolist() for s in settings])
print(json.dumps(out))`;
  const res = JSON.parse(execFileSync('/usr/bin/python3', ['-c', py], { cwd: ROOT, input: JSON.stringify([cases, settings]) }).toString()) as number[][][][];
  const phi = shiftPhiSet(3);
  cases.forEach((c, i) => {
    settings.forEach((s, j) => {
      const ts = fuse({ p: c.map((x) => Float64Array.from(x)), entropy: c.map((x) => entropy(x)), phi }, s);
      ts.forEach((row, v) => row.forEach((x, k) => expect(Math.abs(x - res[i]![j]![v]![k]!)).toBeLessThan(1e-9)));
    });
  });
}, 60_000);
