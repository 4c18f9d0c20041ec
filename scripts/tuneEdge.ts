/**
 * npx tsx scripts/tuneEdge.ts DIR [DIR…] [--models DIR] [--threads N]
 *
 * Tunes how stage 2's boundary on the scan's own grid follows the scan's HU (src/core/stages/boneEdge.ts):
 * runs stages 1–2 once per case of VerSe-style folders, skipping the real validation subjects of
 * training/data/split.json, then maps the probability cubes onto each scan with every setting of the
 * grid below and ranks the settings by the mean Dice of each true vertebra with the mask overlapping it
 * most (what `npm run eval` calls mask Dice). training/ship.py's EDGE holds the chosen setting.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bestOverlapDice } from '../src/core/evaluate';
import { canonicalGrid, toCanonical } from '../src/core/geometry/canonical';
import { localise, segmentAll } from '../src/core/pipeline';
import type { BoneEdge } from '../src/core/stages/boneEdge';
import { instancesOnSource } from '../src/core/stages/onSource';
import { findCases, truthOf } from './lib/cases';
import { loadScanFile, nodeModels } from './lib/nodeRuntime';

const GRID = { hu: [150, 200, 250, 300, 350], widthHu: [100, 150, 250], weight: [0.3, 0.4, 0.45], interiorHu: [[80, 250], [100, 200], [120, 180], [-1000, -999], [3000, 3001]] as [number, number][] };

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (k: string): string | undefined => (argv.includes(k) ? argv[argv.indexOf(k) + 1] : undefined);
  const dirs = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
  if (!dirs.length) throw new Error('usage: tsx scripts/tuneEdge.ts DIR [DIR…] [--models DIR] [--threads N]');
  const validation: string[] = JSON.parse(readFileSync(join(import.meta.dirname, '../training/data/split.json'), 'utf8')).real.val;
  const models = await nodeModels(Number(opt('--threads') ?? 2), opt('--models'));
  const m = models.manifest;
  const settings: (BoneEdge | null)[] = [null];
  for (const hu of GRID.hu) for (const widthHu of GRID.widthHu) for (const weight of GRID.weight) for (const interiorHu of GRID.interiorHu) settings.push({ hu, widthHu, weight, interiorHu });
  const dice = settings.map(() => [] as number[]);
  for (const dir of dirs) {
    for (const c of findCases(dir)) {
      if (validation.some((v) => c.id === v || c.id.startsWith(`${v}_`))) continue;
      const truth = truthOf(c);
      const o = await loadScanFile(c.ct);
      if (!o.ok || !truth.mask) continue;
      const ct = o.volume;
      const grid = canonicalGrid(ct.dims, ct.affine, m.spacing);
      const can = toCanonical(ct, grid, 'linear');
      const { candidates } = await localise(can, m, models.runner, {});
      const { ids, pieces } = await segmentAll(can, candidates, m, models.runner, {});
      settings.forEach((rule, i) => {
        const inst = instancesOnSource(grid, ids, pieces, m.models.segmenter.threshold, rule ? { ct: ct.data, canCt: can.data, rule } : undefined);
        dice[i]!.push(...bestOverlapDice(inst.data, truth.mask!.data).values());
      });
      console.error(`${c.id}: ${pieces.length} instances`);
    }
  }
  await models.release();
  const mean = (x: number[]): number => x.reduce((a, b) => a + b, 0) / x.length;
  const ranked = settings.map((rule, i) => ({ rule, dice: mean(dice[i]!) })).sort((a, b) => b.dice - a.dice);
  console.log(`${dice[0]!.length} vertebrae; threshold alone: mask Dice ${mean(dice[0]!).toFixed(4)}`);
  for (const r of ranked.slice(0, 15)) console.log(`${r.dice.toFixed(4)}  ${JSON.stringify(r.rule)}`);
  // The best of each way the dark side is handled ([−1000, −999]: always raised; [3000, 3001]: never).
  for (const iv of GRID.interiorHu) {
    const best = ranked.find((r) => r.rule?.interiorHu === iv)!;
    console.log(`best with interiorHu ${JSON.stringify(iv)}: ${best.dice.toFixed(4)} (rank ${ranked.indexOf(best) + 1})  ${JSON.stringify(best.rule)}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
