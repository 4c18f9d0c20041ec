/**
 * npx tsx scripts/tuneAnchors.ts DUMP.json [--phi public/models/fusion.json]
 *
 * Chooses the anchors' weight (src/core/labelling.ts, ANCHOR_WEIGHT) leaving each real CT out:
 * reads what `npm run eval -- DIR… --degrade N --windows 3,4,5 --originals --dump DUMP.json` kept
 * (network outputs, anchor calls and truth for every real case and its degraded versions and
 * windows), and for each real CT picks the weight that labels the *other* CTs' cases best (most
 * vertebrae right, then fewest wrong labels shown at 50 % or more), then scores the left-out CT's
 * cases with it. Also prints every weight on all cases (used data: not a validation figure).
 */
import type { Centroid } from '../src/core/centroids';
import { callsOf } from '../src/core/calibration';
import { scoreCase } from '../src/core/evaluate';
import { PAPER_FUSION, type PhiSet } from '../src/core/fusion';
import { SET_ASIDE, labelVertebrae } from '../src/core/labelling';
import type { FoundVertebra } from '../src/core/pipeline';
import { readDumpArgs } from './lib/dumpArgs';

const WEIGHTS = [0, 0.25, 0.5, 1, 1.5, 2, 3];

interface Kept {
  id: string;
  group: string;
  found: FoundVertebra[];
  truth: Centroid[];
}

interface Tally {
  right: number;
  total: number;
  /** Wrong labels shown at 50 % confidence or more. */
  sureWrong: number;
  /** Cases with every vertebra right. */
  allRight: number;
  cases: number;
}

function tally(cases: readonly Kept[], phi: PhiSet, weight: number): Tally {
  const t: Tally = { right: 0, total: 0, sureWrong: 0, allRight: 0, cases: cases.length };
  for (const k of cases) {
    const labelled = labelVertebrae(k.found, phi, PAPER_FUSION, new Map(), weight);
    const s = scoreCase(labelled, k.truth);
    t.right += s.id.identified;
    t.total += s.id.total;
    t.allRight += s.allCorrect ? 1 : 0;
    t.sureWrong += callsOf(labelled.filter((v) => v.label !== SET_ASIDE), k.truth).filter((c) => !c.right && c.confidence >= 0.5).length;
  }
  return t;
}

const better = (a: Tally, b: Tally): boolean => a.right > b.right || (a.right === b.right && a.sureWrong < b.sureWrong);
const row = (name: string, w: number | string, t: Tally): string =>
  `| ${name} | ${w} | ${t.cases} | ${t.right}/${t.total} (${((100 * t.right) / Math.max(t.total, 1)).toFixed(1)} %) | ${t.allRight}/${t.cases} | ${t.sureWrong} |`;

function main(): void {
  const read = readDumpArgs<Kept>(process.argv.slice(2), 'tuneAnchors.ts');
  const phi = read.phi;
  const cases = read.cases.filter((k) => k.truth.length);
  const ctOf = (k: Kept): string => k.id.split(' · ')[0]!;
  const cts = [...new Set(cases.map(ctOf))];
  const head = '| cases | weight | scans | vertebrae right | scans all right | wrong shown ≥ 50 % |\n|---|---:|---:|---:|---:|---:|';
  const loo: string[] = [];
  const pooled = { on: { right: 0, total: 0, sureWrong: 0, allRight: 0, cases: 0 }, off: { right: 0, total: 0, sureWrong: 0, allRight: 0, cases: 0 } };
  for (const ct of cts) {
    const rest = cases.filter((k) => ctOf(k) !== ct), own = cases.filter((k) => ctOf(k) === ct);
    let best = WEIGHTS[0]!, bestT = tally(rest, phi, best);
    for (const w of WEIGHTS.slice(1)) {
      const t = tally(rest, phi, w);
      if (better(t, bestT)) [best, bestT] = [w, t];
    }
    const on = tally(own, phi, best), off = tally(own, phi, 0);
    for (const [p, t] of [[pooled.on, on], [pooled.off, off]] as const) for (const key of Object.keys(p) as (keyof Tally)[]) p[key] += t[key];
    loo.push(row(`${ct} left out: anchors, weight chosen on the other CTs`, best, on), row(`${ct}: without anchors`, 0, off));
  }
  loo.push(row('**all left-out CTs, anchors**', 'per CT', pooled.on), row('all left-out CTs, without anchors', 0, pooled.off));
  const used = WEIGHTS.map((w) => row('every case (used data)', w, tally(cases, phi, w)));
  console.log(`Leave one CT out (each CT with its degraded versions and windows):\n\n${head}\n${loo.join('\n')}\n\nEvery weight on every case (the data the weight is chosen on: not a validation figure):\n\n${head}\n${used.join('\n')}`);
}

main();
