/**
 * npm run identify -- [scan.nii.gz | DICOM folder] [--out DIR] [--overwrite] [--threads N] [--models DIR]
 *
 * Runs the app's pipeline (src/core + the shipped models, onnxruntime-web on WASM) on one scan in
 * node and writes, beside the scan or in DIR: <stem>_seg-vert_msk.nii.gz (VerSe labels on the
 * scan's grid), <stem>_ctd.json (VerSe centroids, voxel indices) and <stem>_vertebrae.csv.
 * Those are the names of a VerSe case's own ground truth, so a file already there is never replaced
 * without --overwrite (it stops before running). Without a scan it runs on the built-in sample and
 * writes into tmp/identify (beside the sample lies its ground truth).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { centroidJson, exportNames, labelMap, scanStem, vertebraeCsv } from '../src/core/exports';
import { LOW_CONFIDENCE, labelVertebrae } from '../src/core/labelling';
import { writeNifti } from '../src/core/nifti/writeNifti';
import { analyse } from '../src/core/pipeline';
import { loadScanFile, nodeModels } from './lib/nodeRuntime';

const SAMPLE = 'public/samples/sample-spine.nii.gz';

function args(argv: string[]): { scan: string; out: string | null; overwrite: boolean; threads: number; models: string | undefined } {
  let scan: string | null = null;
  let overwrite = false;
  let models: string | undefined;
  let out: string | null = null;
  let threads = availableParallelism();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out') out = argv[++i] ?? null;
    else if (a === '--overwrite') overwrite = true;
    else if (a === '--threads') threads = Number(argv[++i]);
    else if (a === '--models') models = argv[++i];
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run identify -- [scan.nii[.gz] | dicom-folder] [--out DIR] [--overwrite] [--threads N] [--models DIR]');
      process.exit(0);
    } else scan = a;
  }
  return { scan: resolve(scan ?? SAMPLE), out: out ?? (scan ? null : 'tmp/identify'), overwrite, threads, models: models && resolve(models) };
}

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  const scan = await loadScanFile(a.scan);
  if (!scan.ok) {
    console.error(`${a.scan}: ${scan.problem.message}${scan.problem.tip ? `\n  ${scan.problem.tip}` : ''}`);
    process.exit(2);
  }
  const stem = scanStem(scan.name);
  const outDir = a.out ? resolve(a.out) : dirname(a.scan); // a DICOM folder's results go beside the folder
  const names = exportNames(stem);
  const there = [names.mask, names.ctd, names.csv].map((n) => join(outDir, n)).filter((f) => existsSync(f));
  if (there.length && !a.overwrite) {
    console.error(`Would replace ${there.join(', ')} (a scan's ground truth has these names). Nothing was written: pass --out DIR to write elsewhere, or --overwrite to replace them.`);
    process.exit(2);
  }
  const models = await nodeModels(a.threads, a.models);
  let last = '';
  const result = await analyse(scan.volume, models.manifest, models.runner, {
    onProgress: (p) => {
      const line = `${p.stage} ${p.done}/${p.total}`;
      if (line !== last && process.stderr.isTTY) process.stderr.write(`\r${line.padEnd(30)}`);
      last = line;
    },
    now: () => performance.now(),
  });
  if (process.stderr.isTTY) process.stderr.write('\r'.padEnd(32) + '\r');
  const labelled = labelVertebrae(result.vertebrae, models.phi, models.manifest.fusion.defaults);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, names.mask), writeNifti(labelMap(result.instances, labelled), { description: 'SpineCLUE Web vertebra labels (VerSe ids)' }));
  writeFileSync(join(outDir, names.ctd), JSON.stringify(centroidJson(labelled, result.instances)));
  writeFileSync(join(outDir, names.csv), vertebraeCsv(labelled));
  for (const w of scan.warnings) console.warn(`warning: ${w.message}`);
  if (!labelled.length) console.warn('No vertebra was found in this scan (is the spine in the field of view? is it a CT?).');
  const low = labelled.filter((v) => v.confidence < LOW_CONFIDENCE);
  console.log(labelled.map((v) => `${v.name.padEnd(4)} conf ${v.confidence.toFixed(2)}  before ${String(v.labelBefore).padStart(2)}  ${v.volumeMl.toFixed(1)} ml${v.cutBy.length ? ` (cut by the scan's edge: ${v.cutBy.join(" ")})` : ''}`).join('\n'));
  if (low.length) console.log(`review: ${low.map((v) => v.name).join(', ')} (confidence < ${LOW_CONFIDENCE})`);
  const t = result.timings;
  console.log(
    `${labelled.length} vertebrae from ${result.candidates.length} candidates (${result.boxes} boxes); ${models.backend.name} ${models.backend.threads} threads; ` +
      `prepare ${(t.prepare / 1000).toFixed(1)} s, localise ${(t.localise / 1000).toFixed(1)} s, segment ${(t.segment / 1000).toFixed(1)} s, identify ${(t.identify / 1000).toFixed(1)} s, total ${(t.total / 1000).toFixed(1)} s`,
  );
  console.log(`wrote ${[names.mask, names.ctd, names.csv].map((n) => join(outDir, n)).join(', ')}`);
  await models.release();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
