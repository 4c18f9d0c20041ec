/**
 * npm run eval -- DIR [DIR…] [--fusion off|certainty|literal] [--hops N] [--theta X] [--neighbours N]
 *                 [--json FILE] [--md FILE] [--threads N] [--models DIR]
 *
 * Runs the pipeline (networks once per case) on every case of VerSe-style folders and scores it:
 * VerSe ID-rate per case / region / overall, label MSE, localisation distance and recall within
 * 10 mm, Dice per vertebra where masks exist, share of scans with every vertebra right.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { type CaseScore, dicePerLabel, scoreCase } from '../src/core/evaluate';
import { labelMap } from '../src/core/exports';
import { type FusionParams, PAPER_FUSION } from '../src/core/fusion';
import { labelVertebrae } from '../src/core/labelling';
import { openScan } from '../src/core/openScan';
import { type Analysis, analyse } from '../src/core/pipeline';
import { findCases, truthOf } from './lib/cases';
import { nodeModels } from './lib/nodeRuntime';

interface Args {
  dirs: string[];
  fusion: FusionParams;
  json: string | null;
  md: string | null;
  threads: number;
  models: string | undefined;
}

function parse(argv: string[]): Args {
  const a: Args = { dirs: [], fusion: { ...PAPER_FUSION }, json: null, md: null, threads: availableParallelism(), models: undefined };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = (): string => argv[++i] ?? '';
    if (k === '--fusion') {
      const f = v();
      if (f === 'off') a.fusion.hops = 0;
      else a.fusion.weighting = f === 'literal' ? 'literal' : 'certainty';
    } else if (k === '--hops') a.fusion.hops = Number(v());
    else if (k === '--theta') a.fusion.theta = Number(v());
    else if (k === '--neighbours') a.fusion.neighbours = Number(v());
    else if (k === '--json') a.json = v();
    else if (k === '--md') a.md = v();
    else if (k === '--threads') a.threads = Number(v());
    else if (k === '--models') a.models = v();
    else a.dirs.push(k);
  }
  if (!a.dirs.length) {
    console.error('usage: npm run eval -- DIR [DIR…] [--fusion off|certainty|literal] [--hops N] [--theta X] [--neighbours N] [--json FILE] [--md FILE]');
    process.exit(2);
  }
  return a;
}

interface CaseResult {
  id: string;
  score: CaseScore;
  dice: Record<number, number>;
  found: number;
  seconds: number;
}

const pct = (x: number | null): string => (x === null || Number.isNaN(x) ? '–' : `${(100 * x).toFixed(1)} %`);

async function main(): Promise<void> {
  const a = parse(process.argv.slice(2));
  const models = await nodeModels(a.threads, a.models);
  const results: CaseResult[] = [];
  for (const dir of a.dirs) {
    for (const c of findCases(dir)) {
      const opened = openScan(new Uint8Array(readFileSync(c.ct)));
      if (!opened.ok) {
        console.error(`${c.id}: ${opened.problem.message}`);
        continue;
      }
      const truth = truthOf(c);
      const t0 = performance.now();
      const r: Analysis = await analyse(opened.result.volume, models.manifest, models.runner, { seed: 0 });
      const labelled = labelVertebrae(r.vertebrae, models.phi, a.fusion);
      const score = scoreCase(labelled, truth.centroids);
      const dice: Record<number, number> = {};
      if (truth.mask) for (const [l, d] of dicePerLabel(labelMap(r.instances, labelled).data, truth.mask.data)) dice[l] = d;
      const res = { id: c.id, score, dice, found: labelled.length, seconds: (performance.now() - t0) / 1000 };
      results.push(res);
      console.log(`${c.id}: ID ${score.id.identified}/${score.id.total}, found ${labelled.length}, ≤10 mm ${score.foundWithin10mm}/${score.id.total}, ` +
        `mean dist ${score.meanDistanceMm?.toFixed(1) ?? '–'} mm, Dice ${Object.values(dice).length ? (Object.values(dice).reduce((x, y) => x + y, 0) / Object.values(dice).length).toFixed(3) : '–'} (${res.seconds.toFixed(1)} s)`);
    }
  }
  const sum = (f: (r: CaseResult) => number): number => results.reduce((x, r) => x + f(r), 0);
  const total = sum((r) => r.score.id.total);
  const regions = (['C', 'T', 'L'] as const).map((g) => {
    const t = sum((r) => r.score.id.byRegion[g].total);
    return { region: g, total: t, rate: t ? sum((r) => r.score.id.byRegion[g].identified) / t : null };
  });
  const dices = results.flatMap((r) => Object.values(r.dice));
  const summary = {
    fusion: a.fusion,
    cases: results.length,
    vertebrae: total,
    idRate: total ? sum((r) => r.score.id.identified) / total : null,
    regions,
    recall10mm: total ? sum((r) => r.score.foundWithin10mm) / total : null,
    meanDistanceMm: total ? sum((r) => (r.score.meanDistanceMm ?? 0) * r.score.id.total) / total : null,
    labelMse: total ? sum((r) => (r.score.labelMse ?? 0) * r.score.id.total) / total : null,
    diceMean: dices.length ? dices.reduce((x, y) => x + y, 0) / dices.length : null,
    allCorrect: results.length ? results.filter((r) => r.score.allCorrect).length / results.length : null,
  };
  const md = [
    `| cases | vertebrae | ID-rate | C | T | L | recall ≤ 10 mm | mean dist (mm) | label MSE | Dice | all right |`,
    `|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
    `| ${summary.cases} | ${total} | ${pct(summary.idRate)} | ${regions.map((g) => `${pct(g.rate)} (${g.total})`).join(' | ')} | ${pct(summary.recall10mm)} | ${summary.meanDistanceMm?.toFixed(1) ?? '–'} | ${summary.labelMse?.toFixed(3) ?? '–'} | ${summary.diceMean?.toFixed(3) ?? '–'} | ${pct(summary.allCorrect)} |`,
    '',
    '| case | ID | found | ≤ 10 mm | mean dist (mm) | Dice | missed (true→predicted) |',
    '|---|---:|---:|---:|---:|---:|---|',
    ...results.map((r) => {
      const d = Object.values(r.dice);
      const missed = r.score.id.outcomes.filter((o) => !o.identified).map((o) => `${o.label}→${o.predicted ?? '∅'}`).join(' ');
      return `| ${r.id} | ${r.score.id.identified}/${r.score.id.total} | ${r.found} | ${r.score.foundWithin10mm} | ${r.score.meanDistanceMm?.toFixed(1) ?? '–'} | ${d.length ? (d.reduce((x, y) => x + y, 0) / d.length).toFixed(3) : '–'} | ${missed} |`;
    }),
  ].join('\n');
  console.log(`\n${md}`);
  if (a.json) writeFileSync(a.json, JSON.stringify({ summary, results }, null, 1));
  if (a.md) writeFileSync(a.md, md + '\n');
  await models.release();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
