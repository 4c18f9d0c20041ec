/**
 * npx tsx scripts/tuneClustering.ts DIR [--models DIR] [--threads N]
 *
 * Tunes stage 1's dual-factor clustering for the shipped detector: runs the detector once per
 * case of a VerSe-style folder (phantoms of their own: training.phantoms.generate --seed 300000),
 * then scores every setting of the grid below by the recall of ground-truth body centres within
 * 10 mm after clustering, and prints them best first (most recall, then fewest extra candidates,
 * which stage 2 pays for). training/ship.py's CLUSTERING holds the chosen setting.
 */
import { type Box3, type ClusterParams, DEFAULT_CLUSTERING, clusterBoxes } from '../src/core/clustering';
import { recalled } from '../src/core/evaluate';
import { canonicalGrid, toCanonical } from '../src/core/geometry/canonical';
import { apply } from '../src/core/geometry/mat4';
import { localise } from '../src/core/pipeline';
import type { Centroid } from '../src/core/centroids';
import { findCases, truthOf } from './lib/cases';
import { loadScanFile, nodeModels } from './lib/nodeRuntime';

const GRID = { eps: [6, 9, 12], minPts: [3, 5], duplicateFactor: [0.15, 0.25, 0.35, 0.5], insideFactor: [0, 0.25, 0.5], minRelativeSupport: [0, 0.15, 0.25, 0.35, 0.45, 0.55] };

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (k: string): string | undefined => (argv.includes(k) ? argv[argv.indexOf(k) + 1] : undefined);
  const dir = argv.find((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
  if (!dir) throw new Error('usage: tsx scripts/tuneClustering.ts DIR [--models DIR] [--threads N]');
  const models = await nodeModels(Number(opt('--threads') ?? 2), opt('--models'));
  const sp = models.manifest.spacing;
  // Per case: the detector's boxes (canonical mm) and the ground truth, in world mm.
  const cases: { boxes: Box3[]; toWorld: (p: readonly number[]) => [number, number, number]; truth: Centroid[] }[] = [];
  for (const c of findCases(dir)) {
    const o = await loadScanFile(c.ct);
    if (!o.ok) continue;
    const grid = canonicalGrid(o.volume.dims, o.volume.affine, sp);
    const { boxes } = await localise(toCanonical(o.volume, grid, 'linear'), models.manifest, models.runner, {});
    cases.push({ boxes, toWorld: (p) => apply(grid.affine, [p[0]! / sp, p[1]! / sp, p[2]! / sp]), truth: truthOf(c).centroids });
    console.error(`${c.id}: ${boxes.length} boxes`);
  }
  await models.release();
  const rows: { p: ClusterParams; hit: number; total: number; extra: number }[] = [];
  for (const eps of GRID.eps) for (const minPts of GRID.minPts) for (const duplicateFactor of GRID.duplicateFactor) for (const insideFactor of GRID.insideFactor) for (const minRelativeSupport of GRID.minRelativeSupport) {
    const p = { ...DEFAULT_CLUSTERING, eps, minPts, duplicateFactor, insideFactor, minRelativeSupport };
    let hit = 0, total = 0, extra = 0;
    for (const c of cases) {
      const found = clusterBoxes(c.boxes, p).map((x) => c.toWorld(x.centre));
      hit += recalled(found, c.truth);
      total += c.truth.length;
      extra += found.filter((f) => recalled([f], c.truth) === 0).length;
    }
    rows.push({ p, hit, total, extra });
  }
  rows.sort((a, b) => b.hit - a.hit || a.extra - b.extra);
  const line = (r: (typeof rows)[number]): string =>
    `${JSON.stringify({ eps: r.p.eps, minPts: r.p.minPts, duplicateFactor: r.p.duplicateFactor, insideFactor: r.p.insideFactor, minRelativeSupport: r.p.minRelativeSupport })} recall ${((100 * r.hit) / r.total).toFixed(1)} % (${r.hit}/${r.total}), extra candidates ${r.extra}`;
  for (const r of rows.slice(0, 15)) console.log(line(r));
  // Where the shipped setting ranks: the comparison a retrained detector needs.
  const s = models.manifest.clustering;
  const at = rows.findIndex((r) => (['eps', 'minPts', 'duplicateFactor', 'insideFactor', 'minRelativeSupport'] as const).every((k) => r.p[k] === s?.[k]));
  console.log(at < 0 ? 'shipped setting: not on the grid' : `shipped setting, rank ${at + 1} of ${rows.length}: ${line(rows[at]!)}`);
}

void main();
