/**
 * npm run eval -- DIR [DIR…] [--fusion off|certainty|literal] [--order on|off] [--hops N] [--theta X] [--neighbours N]
 *                 [--json FILE] [--md FILE] [--threads N] [--models DIR] [--sweep PLOT.png] [--confusion FILE.html]
 *
 * --order off labels each vertebra by its own argmax (the paper) instead of decoding the
 * sequence (src/core/sequence.ts).
 * --dump FILE.json keeps each case's found vertebrae (network outputs) and ground truth.
 * --confusion FILE.html writes the confusion matrix (true level × label of the closest prediction).
 * --sweep runs the paper's parameter study (Fig. 7) on the same network outputs: hops 0–5,
 * θ 0–0.5, neighbours 1–7, both weightings; writes the plot and a table.
 *
 * Runs the pipeline (networks once per case) on every case of VerSe-style folders and scores it:
 * VerSe ID-rate per case / region / overall, label MSE, localisation distance and recall within
 * 10 mm, Dice per vertebra where masks exist (by label; and "mask Dice": with the mask overlapping
 * it most, whatever its label — stage 2 apart from stage 3), share of scans with every vertebra right; and stage
 * 1's own recall: candidates after clustering within 10 mm of each vertebra's centre — its body
 * centre (the ground truth above) for a body-centred detector; for one that peaks on whole-vertebra
 * box centres, those, from the mask.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { type CaseScore, bestOverlapDice, boxCentresFromMask, centroidsFromMask, dicePerLabel, recalled, scoreCase } from '../src/core/evaluate';
import { labelMap } from '../src/core/exports';
import { type FusionParams, PAPER_FUSION } from '../src/core/fusion';
import { ANCHOR_WEIGHT, LOW_CONFIDENCE, SET_ASIDE, labelVertebrae } from '../src/core/labelling';
import { type AnchorTally, anchorCalls, anchorNote } from './lib/anchorTally';
import { variants } from './lib/degrade';
import type { Volume } from '../src/core/volume';
import { labelName, labelToClass } from '../src/core/labels';
import { type Call, calibration, callsOf } from '../src/core/calibration';
import { type Analysis, analyse } from '../src/core/pipeline';
import type { Centroid } from '../src/core/centroids';
import type { PhiSet } from '../src/core/fusion';
import { findCases, truthOf } from './lib/cases';
import { type Chart, type Series, saveCharts } from './lib/plot';
import { loadScanFile, nodeModels } from './lib/nodeRuntime';

interface Args {
  dirs: string[];
  fusion: FusionParams;
  json: string | null;
  md: string | null;
  threads: number;
  models: string | undefined;
  /** Fig. 7 parameter study: PNG path. */
  sweep: string | null;
  /** Confusion matrix (true level × predicted level of the closest prediction): HTML path. */
  confusion: string | null;
  /** Network outputs and ground truth per case (JSON), to study labelling without re-running the networks. */
  dump: string | null;
  /** Weight of the anatomical anchors (src/core/labelling.ts, ANCHOR_WEIGHT); 0 turns them off. */
  anchorWeight: number;
  /** Degradation suite (scripts/lib/degrade.ts): noise draws per setting (0: none), window sizes, and whether the originals are scored too. */
  degrade: number;
  windows: number[];
  withOriginals: boolean;
}

function parse(argv: string[]): Args {
  const a: Args = { dirs: [], fusion: { ...PAPER_FUSION }, json: null, md: null, threads: availableParallelism(), models: undefined, sweep: null, confusion: null, dump: null, anchorWeight: ANCHOR_WEIGHT, degrade: 0, windows: [], withOriginals: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = (): string => argv[++i] ?? '';
    if (k === '--fusion') {
      const f = v();
      if (f === 'off') a.fusion.hops = 0;
      else a.fusion.weighting = f === 'literal' ? 'literal' : 'certainty';
    } else if (k === '--order') a.fusion.order = v() !== 'off';
    else if (k === '--hops') a.fusion.hops = Number(v());
    else if (k === '--theta') a.fusion.theta = Number(v());
    else if (k === '--neighbours') a.fusion.neighbours = Number(v());
    else if (k === '--json') a.json = v();
    else if (k === '--md') a.md = v();
    else if (k === '--threads') a.threads = Number(v());
    else if (k === '--models') a.models = v();
    else if (k === '--sweep') a.sweep = v();
    else if (k === '--confusion') a.confusion = v();
    else if (k === '--dump') a.dump = v();
    else if (k === '--anchors') {
      const w = v();
      a.anchorWeight = w === 'off' ? 0 : Number(w);
      if (!(a.anchorWeight >= 0)) throw new Error(`--anchors takes "off" or a weight ≥ 0, not "${w}"`);
    }
    else if (k === '--degrade') a.degrade = Number(v());
    else if (k === '--windows') a.windows = v().split(',').map(Number).filter((x) => x > 0);
    else if (k === '--originals') a.withOriginals = true;
    else a.dirs.push(k);
  }
  if (!a.dirs.length) {
    console.error('usage: npm run eval -- DIR [DIR…] [--fusion off|certainty|literal] [--hops N] [--theta X] [--neighbours N] [--json FILE] [--md FILE]');
    process.exit(2);
  }
  return a;
}

type Truth = ReturnType<typeof truthOf>;

interface CaseResult {
  id: string;
  /** 'original', or the degradation family the case belongs to (degrade.ts). */
  group: string;
  score: CaseScore;
  /** Vertebrae identified with the anchors' weight at 0 (shape and neighbours alone). */
  withoutAnchors: number;
  /** Anchor calls on found vertebrae matched to a true one, against its level. */
  anchors: AnchorTally;
  dice: Record<number, number>;
  /** Per true vertebra, Dice with the found mask overlapping it most (labels aside). */
  maskDice: Record<number, number>;
  found: number;
  /** Stage 1 after clustering: vertebrae with a candidate within 10 mm of their centre (see the top). */
  stage1: { found: number; total: number } | null;
  /** The app warned this scan is too short to label (short-coverage): scored apart. */
  short: boolean;
  /** Labels the scan's edge cuts with none of their body inside (not in the scores), and how many of them stage 1 and the whole pipeline find within 10 mm of the point they had. */
  fragments: { labels: number[]; stage1Found: number; found: number };
  /** Each shown label against the true vertebra nearest it: with its confidence, and with the fused probability of that label (the confidence until 2026-12-07). */
  calls: { shown: Call[]; fused: Call[] };
  seconds: number;
}

const pct = (x: number | null): string => (x === null || Number.isNaN(x) ? '–' : `${(100 * x).toFixed(1)} %`);
const mean3 = (x: number[]): string => (x.length ? (x.reduce((a, b) => a + b, 0) / x.length).toFixed(3) : '–');

async function main(): Promise<void> {
  const a = parse(process.argv.slice(2));
  const models = await nodeModels(a.threads, a.models);
  const results: CaseResult[] = [];
  const kept: { id: string; group: string; found: Analysis['vertebrae']; truth: Centroid[] }[] = [];
  const evaluate = async (id: string, volume: Volume, truth: Truth, short: boolean, group: string): Promise<void> => {
    const t0 = performance.now();
    const r: Analysis = await analyse(volume, models.manifest, models.runner, { seed: 0 });
    if (!short) kept.push({ id, group, found: r.vertebrae, truth: truth.centroids });
    const labelled = labelVertebrae(r.vertebrae, models.phi, a.fusion, new Map(), a.anchorWeight);
    const score = scoreCase(labelled, truth.centroids);
    const withoutAnchors = scoreCase(labelVertebrae(r.vertebrae, models.phi, a.fusion, new Map(), 0), truth.centroids).id.identified;
    const dice: Record<number, number> = {};
    const maskDice: Record<number, number> = {};
    if (truth.mask) for (const [l, d] of dicePerLabel(labelMap(r.instances, labelled).data, truth.mask.data)) dice[l] = d;
    if (truth.mask) for (const [l, d] of bestOverlapDice(r.instances.data, truth.mask.data)) maskDice[l] = d;
    const centres = models.manifest.models.detector.decode.centre === 'body' ? truth.centroids : truth.mask ? boxCentresFromMask(truth.mask).filter((g) => g.label >= 1 && g.label <= 28) : null;
    const stage1 = centres ? { found: recalled(r.candidates, centres), total: centres.length } : null;
    const fragments = { labels: truth.fragments.map((f) => f.label), stage1Found: recalled(r.candidates, truth.fragments), found: recalled(r.vertebrae.map((v) => v.bodyCentre), truth.fragments) };
    const shown = labelled.filter((v) => v.label !== SET_ASIDE);
    const calls = { shown: callsOf(shown, truth.centroids), fused: callsOf(shown.map((v) => ({ ...v, confidence: v.fused[labelToClass(v.label)] ?? 0 })), truth.centroids) };
    const anchors = anchorCalls(r.vertebrae, truth.centroids);
    const res = { id, group, score, withoutAnchors, dice, maskDice, found: labelled.length, stage1, short, fragments, calls, anchors, seconds: (performance.now() - t0) / 1000 };
    results.push(res);
    console.log(`${id}${short ? ' (short: scored apart)' : ''}: ID ${score.id.identified}/${score.id.total} (without anchors ${withoutAnchors}), found ${labelled.length}, ≤10 mm ${score.foundWithin10mm}/${score.id.total}${stage1 ? ` (stage 1 ${stage1.found}/${stage1.total})` : ''}, ` +
      `mean dist ${score.meanDistanceMm?.toFixed(1) ?? '–'} mm, Dice ${mean3(Object.values(dice))}, mask Dice ${mean3(Object.values(maskDice))}, anchors ${anchorNote(anchors)}${res.fragments.labels.length ? `; ${fragmentNote(res)}` : ''} (${res.seconds.toFixed(1)} s)`);
  };
  for (const dir of a.dirs) {
    for (const c of findCases(dir)) {
      const opened = await loadScanFile(c.ct); // a NIfTI file or a DICOM folder
      if (!opened.ok) {
        console.error(`${c.id}: ${opened.problem.message}`);
        continue;
      }
      const truth = truthOf(c);
      if (truth.mask && truth.mask.dims.some((n, i) => n !== opened.volume.dims[i])) throw new Error(`${c.id}: the mask's grid (${truth.mask.dims.join(' × ')}) is not the scan's (${opened.volume.dims.join(' × ')})`);
      const short = opened.warnings.some((w) => w.code === 'short-coverage');
      const degrading = a.degrade > 0 || a.windows.length > 0;
      if (!degrading || a.withOriginals) await evaluate(c.id, opened.volume, truth, short, 'original');
      // The degradation suite: only full scans with a mask (its truth is re-read from the degraded mask).
      if (!degrading || short || !truth.mask) continue;
      for (const v of variants({ ct: opened.volume, mask: truth.mask }, a.degrade, a.windows, truth.centroids)) {
        const t = { mask: v.scan.mask, ...centroidsFromMask(v.scan.mask) };
        if (!t.centroids.length) continue;
        await evaluate(`${c.id} · ${v.name}`, v.scan.ct, t, false, v.group);
      }
    }
  }
  // A scan the app warns is too short to label (src/core/coverage.ts) is scored apart: pooled, its
  // guesses would stand for the full scans the figures describe, or hide them.
  const full = results.filter((r) => !r.short);
  const shortScans = results.filter((r) => r.short);
  const summary = { models: models.manifest.version, fusion: a.fusion, ...summarise(full) };
  const shortSummary = shortScans.length ? summarise(shortScans) : null;
  const md: string[] = [
    `| cases | vertebrae | ID-rate | C | T | L | recall ≤ 10 mm | stage 1 recall ≤ 10 mm | mean dist (mm) | label MSE | Dice | mask Dice | all right |`,
    `|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
    summaryRow(summary),
    ...(shortSummary ? [summaryRow(shortSummary, `short scans, apart: ${shortSummary.cases}`)] : []),
    ...(summary.fragments.total ? ['', fragmentLine(summary)] : []),
    '',
    confidenceLine(summary),
    '',
    '| case | ID | found | ≤ 10 mm | stage 1 ≤ 10 mm | mean dist (mm) | Dice | mask Dice | missed (true→predicted) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...results.map((r) => {
      const missed = r.score.id.outcomes.filter((o) => !o.identified).map((o) => `${o.label}→${o.predicted ?? '∅'}`).join(' ');
      return `| ${r.id}${r.short ? ' (short)' : ''} | ${r.score.id.identified}/${r.score.id.total} | ${r.found} | ${r.score.foundWithin10mm} | ${r.stage1 ? `${r.stage1.found}/${r.stage1.total}` : '–'} | ${r.score.meanDistanceMm?.toFixed(1) ?? '–'} | ${mean3(Object.values(r.dice))} | ${mean3(Object.values(r.maskDice))} | ${[missed, fragmentNote(r)].filter(Boolean).join('; ')} |`;
    }),
  ];
  if (a.degrade > 0 || a.windows.length) md.push('', ...groupTable(results));
  let sweepMd = '';
  if (a.sweep) sweepMd = await sweep(kept, models.phi, a.sweep);
  console.log(`\n${md.join('\n')}${sweepMd}`);
  if (a.json) writeFileSync(a.json, JSON.stringify({ summary, short: shortSummary, results }, null, 1));
  if (a.dump) writeFileSync(a.dump, JSON.stringify(kept));
  if (a.confusion) writeFileSync(a.confusion, confusionHtml(full, a.dirs.join(', '))); // as the summary: short scans apart
  if (a.md) writeFileSync(a.md, md.join('\n') + sweepMd + '\n');
  await models.release();
}

type Summary = ReturnType<typeof summarise>;

/** Per degradation family (and the originals): labels right with and without anchors, confidence, anchor calls. */
function groupTable(results: CaseResult[]): string[] {
  const groups = [...new Set(results.map((r) => r.group))];
  const rows = groups.map((g) => {
    const rs = results.filter((r) => r.group === g && !r.short);
    const s = summarise(rs);
    const n = rs.reduce((x, r) => x + r.score.id.total, 0);
    const without = rs.reduce((x, r) => x + r.withoutAnchors, 0);
    const allWithout = rs.filter((r) => r.withoutAnchors === r.score.id.total).length;
    const sureWrong = rs.flatMap((r) => r.calls.shown).filter((c) => !c.right && c.confidence >= 0.5).length;
    const sum = (f: (r: CaseResult) => number): number => rs.reduce((x, r) => x + f(r), 0);
    const ribs = `${sum((r) => r.anchors.ribs.right)} / ${sum((r) => r.anchors.ribs.wrong)} / ${sum((r) => r.anchors.ribs.unknown)}`;
    const pelvis = `${sum((r) => r.anchors.pelvis.right)} / ${sum((r) => r.anchors.pelvis.wrong)} (${sum((r) => r.anchors.pelvis.l4)})`;
    return `| ${g} | ${rs.length} | ${n} | ${pct(s.idRate)} | ${pct(n ? without / n : null)} | ${pct(s.allCorrect)} | ${pct(rs.length ? allWithout / rs.length : null)} | ${s.maskDiceMean?.toFixed(3) ?? '–'} | ${(100 * s.confidence.ece).toFixed(1)} % | ${s.confidence.auroc?.toFixed(3) ?? '–'} | ${sureWrong} of ${s.confidence.wrong} | ${ribs} | ${pelvis} |`;
  });
  return [
    '| set | cases | vertebrae | ID-rate | without anchors | all right | all right without anchors | mask Dice | ECE | AUROC of a wrong level | wrong shown ≥ 50 % | rib calls ✓ / ✗ / ? | pelvis calls ✓ / ✗ (at L4) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
    ...rows,
  ];
}

/** Pooled scores over cases: rates per vertebra, Dice per mask, "all right" per scan. */
function summarise(results: CaseResult[]) {
  const sum = (f: (r: CaseResult) => number): number => results.reduce((x, r) => x + f(r), 0);
  const total = sum((r) => r.score.id.total);
  const regions = (['C', 'T', 'L'] as const).map((g) => {
    const t = sum((r) => r.score.id.byRegion[g].total);
    return { region: g, total: t, rate: t ? sum((r) => r.score.id.byRegion[g].identified) / t : null };
  });
  const dices = results.flatMap((r) => Object.values(r.dice));
  const maskDices = results.flatMap((r) => Object.values(r.maskDice));
  const s1 = { found: sum((r) => r.stage1?.found ?? 0), total: sum((r) => r.stage1?.total ?? 0) };
  const fragments = { total: sum((r) => r.fragments.labels.length), stage1Found: sum((r) => r.fragments.stage1Found), found: sum((r) => r.fragments.found) };
  return {
    cases: results.length,
    vertebrae: total,
    idRate: total ? sum((r) => r.score.id.identified) / total : null,
    regions,
    recall10mm: total ? sum((r) => r.score.foundWithin10mm) / total : null,
    stage1Recall10mm: s1.total ? s1.found / s1.total : null,
    stage1Vertebrae: s1.total,
    fragments,
    /** Stage 1's and the whole pipeline's recall with the fragments counted as vertebrae, as the eval did until 2026-12-07. */
    stage1RecallWithFragments: s1.total + fragments.total ? (s1.found + fragments.stage1Found) / (s1.total + fragments.total) : null,
    recallWithFragments: total + fragments.total ? (sum((r) => r.score.foundWithin10mm) + fragments.found) / (total + fragments.total) : null,
    meanDistanceMm: total ? sum((r) => (r.score.meanDistanceMm ?? 0) * r.score.id.total) / total : null,
    labelMse: total ? sum((r) => (r.score.labelMse ?? 0) * r.score.id.total) / total : null,
    diceMean: dices.length ? dices.reduce((x, y) => x + y, 0) / dices.length : null,
    maskDiceMean: maskDices.length ? maskDices.reduce((x, y) => x + y, 0) / maskDices.length : null,
    allCorrect: results.length ? results.filter((r) => r.score.allCorrect).length / results.length : null,
    confidence: calibration(results.flatMap((r) => r.calls.shown), LOW_CONFIDENCE),
    fusedProbability: calibration(results.flatMap((r) => r.calls.fused), LOW_CONFIDENCE),
  };
}

/** A case's fragments (labels without a body in the scan), for its log line and table row. */
function fragmentNote(r: CaseResult): string {
  return r.fragments.labels.length ? `without a body in the scan, not scored: ${r.fragments.labels.map(labelName).join(' ')} (stage 1 ${r.fragments.stage1Found}/${r.fragments.labels.length})` : '';
}

/** Does the shown confidence mean what it says (src/core/calibration.ts)? Beside it, the fused probability of the same labels. */
function confidenceLine(s: Summary): string {
  const one = (c: Summary['confidence']): string =>
    `ECE ${(100 * c.ece).toFixed(1)} %, Brier ${c.brier.toFixed(4)}, log loss ${c.logLoss.toFixed(4)}, AUROC of a wrong level ${c.auroc?.toFixed(3) ?? '–'}; under ${100 * LOW_CONFIDENCE} %: ${c.flagged} (${c.wrongFlagged} of the ${c.wrong} wrong)`;
  return `Confidence of the ${s.confidence.calls} labels shown on a true vertebra (${s.confidence.wrong} wrong): ${one(s.confidence)}. The fused probability of the same labels: ${one(s.fusedProbability)}.`;
}

function fragmentLine(s: Summary): string {
  return `Not scored: ${s.fragments.total} vertebra${s.fragments.total > 1 ? 'e' : ''} cut by a scan's edge with none of the body inside (src/core/fragments.ts; their Dice still counts); stage 1 has a candidate within 10 mm of ${s.fragments.stage1Found}. Counted as vertebrae, stage 1's recall would read ${pct(s.stage1RecallWithFragments)} (${s.stage1Vertebrae + s.fragments.total}).`;
}

function summaryRow(s: Summary, cases: string | number = s.cases): string {
  return `| ${cases} | ${s.vertebrae} | ${pct(s.idRate)} | ${s.regions.map((g) => `${pct(g.rate)} (${g.total})`).join(' | ')} | ${pct(s.recall10mm)} | ${pct(s.stage1Recall10mm)} (${s.stage1Vertebrae}) | ${s.meanDistanceMm?.toFixed(1) ?? '–'} | ${s.labelMse?.toFixed(3) ?? '–'} | ${s.diceMean?.toFixed(3) ?? '–'} | ${s.maskDiceMean?.toFixed(3) ?? '–'} | ${pct(s.allCorrect)} |`;
}

/** True level (rows) × label of the closest prediction (columns, ∅ = none within the scan), as HTML. */
function confusionHtml(results: CaseResult[], what: string): string {
  const levels = Array.from({ length: 24 }, (_, i) => i + 1);
  const m = new Map<string, number>();
  for (const r of results) for (const o of r.score.id.outcomes) m.set(`${o.label},${o.predicted ?? 0}`, (m.get(`${o.label},${o.predicted ?? 0}`) ?? 0) + 1);
  const cols = [...levels, 25, 28, 0];
  const name = (l: number): string => (l === 0 ? '∅' : labelName(l));
  const rows = levels.filter((t) => cols.some((p) => m.has(`${t},${p}`))).map((t) => {
    const total = cols.reduce((n, p) => n + (m.get(`${t},${p}`) ?? 0), 0);
    const cells = cols.map((p) => {
      const n = m.get(`${t},${p}`) ?? 0;
      const shade = n ? Math.round(255 - (200 * n) / total) : 255;
      return `<td style="background:rgb(${p === t ? `${shade},255,${shade}` : `255,${shade},${shade}`})">${n || ''}</td>`;
    });
    return `<tr><th>${name(t)}</th>${cells.join('')}</tr>`;
  });
  return `<!doctype html><meta charset="utf-8"><title>Confusion matrix</title><style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:2px 5px;text-align:center;font-size:12px}</style>
<h1>Confusion matrix</h1><p>${what}: rows are ground-truth levels, columns the label of the prediction closest to each (∅: none). Green: right label.</p>
<table><tr><th></th>${cols.map((c) => `<th>${name(c)}</th>`).join('')}</tr>${rows.join('\n')}</table>\n`;
}

/** ID-rate over all kept cases for one fusion setting (networks not re-run). */
function rateWith(kept: { found: Analysis['vertebrae']; truth: Centroid[] }[], phi: PhiSet, f: FusionParams): number {
  let id = 0, total = 0;
  for (const k of kept) {
    const s = scoreCase(labelVertebrae(k.found, phi, f), k.truth);
    id += s.id.identified;
    total += s.id.total;
  }
  return total ? id / total : 0;
}

async function sweep(kept: { found: Analysis['vertebrae']; truth: Centroid[] }[], phi: PhiSet, png: string): Promise<string> {
  // The paper's study is of fusion alone (each vertebra's argmax); the shipped default adds our sequence decoding.
  const w = [
    { name: 'certainty-weighted (ours)', weighting: 'certainty', order: false },
    { name: 'literal (paper as written)', weighting: 'literal', order: false },
    { name: 'certainty-weighted + sequence decoding (shipped)', weighting: 'certainty', order: true },
  ] as const;
  const hops = [0, 1, 2, 3, 4, 5], thetas = [0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5], nbs = [1, 3, 5, 7];
  const series = (xs: number[], f: (x: number) => Partial<FusionParams>): Series[] =>
    w.map(({ name, weighting, order }) => ({ name, points: xs.map((x) => [x, rateWith(kept, phi, { ...PAPER_FUSION, weighting, order, ...f(x) })] as [number, number]) }));
  const charts: Chart[] = [
    { title: 'Hops (θ 0.1, 7 neighbours)', xLabel: 'hops', yLabel: 'ID-rate', series: series(hops, (x) => ({ hops: x })) },
    { title: 'θ (3 hops, 7 neighbours)', xLabel: 'θ', yLabel: 'ID-rate', series: series(thetas, (x) => ({ theta: x })) },
    { title: 'Neighbours (3 hops, θ 0.1)', xLabel: 'neighbours', yLabel: 'ID-rate', series: series(nbs, (x) => ({ neighbours: x })) },
  ];
  await saveCharts(charts, png);
  const rows = charts.flatMap((c) => c.series.flatMap((s) => s.points.map(([x, y]) => `| ${c.title} | ${s.name} | ${x} | ${pct(y)} |`)));
  return ['', '', `Fusion parameter study (Fig. 7) on the same network outputs — plot: ${png}`, '', '| study | weighting | value | ID-rate |', '|---|---|---:|---:|', ...rows].join('\n');
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
