import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { ROOT } from '../testing/realData';
import { mulberry32 } from './random';
import { ASIDE, decodeSequence } from './sequence';

/**
 * MODELS.md scores the shipped labelling (fusion, then sequence decoding) with training/sequence.py:
 * it must decode exactly as the app does. Random peaked sequences, including misleading ends and
 * gaps of two levels.
 */
it('training/sequence.py and decodeSequence() pick the same labels', () => {
  const rand = mulberry32(11);
  const cases = Array.from({ length: 40 }, (_, t) => {
    const n = 1 + (t % 17);
    const start = Math.floor(rand() * (24 - n));
    const f = Array.from({ length: n }, (_, i) => {
      const p = Array.from({ length: 24 }, () => rand() ** 6);
      p[Math.min(23, start + i + (rand() < 0.3 ? Math.floor(rand() * 5) - 2 : 0))]! += rand() * 3;
      const s = p.reduce((a, b) => a + b, 0);
      return p.map((x) => x / s);
    });
    const steps = f.map(() => (rand() < 0.15 ? 2 : 1));
    return { f, steps };
  });
  const py = `
import json, sys
from training.sequence import decode
print(json.dumps([decode(c['f'], c['steps']) for c in json.load(sys.stdin)]))`;
  const res = JSON.parse(execFileSync('/usr/bin/python3', ['-c', py], { cwd: ROOT, input: JSON.stringify(cases) }).toString()) as number[][];
  let aside = 0;
  cases.forEach((c, i) => {
    const ts = decodeSequence(c.f, c.steps);
    expect(res[i]).toEqual(ts);
    aside += ts!.filter((x) => x === ASIDE).length;
  });
  expect(aside).toBeGreaterThan(0); // the set-aside states were exercised
}, 60_000);
