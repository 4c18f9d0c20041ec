import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCentroids } from '../src/core/centroids';
import { isScanError } from '../src/core/errors';
import { recalled } from '../src/core/evaluate';
import { LOW_CONFIDENCE, SET_ASIDE, labelVertebrae } from '../src/core/labelling';
import { idRate } from '../src/core/metrics';
import { readNifti } from '../src/core/nifti/readNifti';
import { type Analysis, analyse } from '../src/core/pipeline';
import type { Volume } from '../src/core/volume';
import type { Models } from '../src/runtime/sessions';
import { realDataDir } from '../src/testing/realData';
import { findCases, truthOf } from './lib/cases';
import { ROOT, loadScanFile, nodeModels } from './lib/nodeRuntime';

/**
 * The whole pipeline with the shipped models, in node (onnxruntime-web, WASM), on the built-in
 * sample phantom against the ground truth kept beside it; and scans with no spine in them.
 */
const SAMPLE = join(ROOT, 'public', 'samples', 'sample-spine.nii.gz');
let models: Models;
let sample: Volume;
let result: Analysis;

beforeAll(async () => {
  models = await nodeModels(2);
  const s = await loadScanFile(SAMPLE);
  if (!s.ok) throw new Error(s.problem.message);
  sample = s.volume;
  result = await analyse(sample, models.manifest, models.runner, { seed: 0 });
}, 300_000);
afterAll(async () => models?.release());

describe('pipeline on the sample phantom', () => {
  // The issue's target: ≥ 95 % (23 / 24 measured with the shipped models, see docs/EVAL.md).
  it('identifies its vertebrae by VerSe’s rule (label right, within 20 mm, closest) at ≥ 95 %', () => {
    const labelled = labelVertebrae(result.vertebrae, models.phi, models.manifest.fusion.defaults);
    const truth = readCentroids(JSON.parse(readFileSync(join(ROOT, 'public', 'samples', 'sample-spine_ctd.json'), 'utf8')), sample, 'voxel');
    const r = idRate(labelled.filter((v) => v.label !== SET_ASIDE).map((v) => ({ label: v.label, world: v.centroid })), truth);
    const missed = r.outcomes.filter((o) => !o.identified).map((o) => `${o.label}→${o.predicted}@${o.distanceMm.toFixed(0)}mm`);
    console.log(`sample: ${r.identified}/${r.total} identified; missed ${missed.join(' ') || 'none'}; ${result.vertebrae.length} found, timings ${JSON.stringify(result.timings)}`);
    expect(r.rate).toBeGreaterThanOrEqual(0.95);
    expect(r.outcomes.filter((o) => o.distanceMm <= 10).length / r.total).toBeGreaterThanOrEqual(0.85); // localised
  });

  it('with mirror averaging (head.mirror) encodes each vertebra and its mirror, and still labels the sample', async () => {
    // Both settings explicitly: the shipped manifest may have either.
    const withMirror = (mirror: boolean) => ({ ...models.manifest, models: { ...models.manifest.models, head: { ...models.manifest.models.head, mirror } } });
    const plain = await analyse(sample, withMirror(false), models.runner, { seed: 0 });
    const m = await analyse(sample, withMirror(true), models.runner, { seed: 0 });
    expect(m.vertebrae.map((v) => v.id)).toEqual(plain.vertebrae.map((v) => v.id)); // stages 1–2 untouched
    expect(m.work.encoderCrops).toBe(2 * plain.work.encoderCrops);
    expect(m.work.headPasses).toBe(2 * plain.work.headPasses);
    expect(m.vertebrae.some((v, i) => v.p.some((q, c) => Math.abs(q - plain.vertebrae[i]!.p[c]!) > 1e-6))).toBe(true); // the mirror counted
    const labelled = labelVertebrae(m.vertebrae, models.phi, models.manifest.fusion.defaults);
    const truth = readCentroids(JSON.parse(readFileSync(join(ROOT, 'public', 'samples', 'sample-spine_ctd.json'), 'utf8')), sample, 'voxel');
    const r = idRate(labelled.filter((v) => v.label !== SET_ASIDE).map((v) => ({ label: v.label, world: v.centroid })), truth);
    console.log(`sample with mirror averaging: ${r.identified}/${r.total} identified`);
    expect(r.rate).toBeGreaterThanOrEqual(0.95);
  }, 120_000);

  it('returns the instance map on the scan’s own grid, with one id per found vertebra', () => {
    expect(result.instances.dims).toEqual(sample.dims);
    expect(result.instances.affine).toEqual(sample.affine);
    const ids = new Set(result.instances.data);
    for (const v of result.vertebrae) expect(ids.has(v.id)).toBe(true);
    for (const v of result.vertebrae) expect(v.volumeMl).toBeGreaterThan(1);
  });

  it('the CLI writes a label map, centroids and a CSV that read back to the same vertebrae', () => {
    const out = mkdtempSync(join(tmpdir(), 'spineclue-cli-'));
    execFileSync(join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/identify.ts', SAMPLE, '--out', out, '--threads', '2'], { cwd: ROOT, stdio: 'pipe' });
    const map = readNifti(new Uint8Array(readFileSync(join(out, 'sample-spine_seg-vert_msk.nii.gz'))), { kind: 'label' }).volume;
    expect(map.dims).toEqual(sample.dims);
    const labels = [...new Set(map.data)].filter((l) => l > 0).sort((a, b) => a - b);
    const ctd = JSON.parse(readFileSync(join(out, 'sample-spine_ctd.json'), 'utf8')) as { label?: number }[];
    // One centroid and one CSV row per vertebra; every level in them is in the map and vice versa.
    expect([...new Set(ctd.slice(1).map((c) => c.label))].sort((a, b) => a! - b!)).toEqual(labels);
    const csv = readFileSync(join(out, 'sample-spine_vertebrae.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(ctd.length); // header + rows = direction entry + centroids
    // Masks the sequence decoding sets aside (not vertebrae: here the sacrum) are not exported.
    const kept = labelVertebrae(result.vertebrae, models.phi, models.manifest.fusion.defaults).filter((v) => v.label !== SET_ASIDE);
    expect(ctd.length - 1).toBe(kept.length);
  }, 300_000);

  it('the CLI never replaces a file of the same name (beside the sample lies its ground truth)', () => {
    const truth = join(ROOT, 'public', 'samples', 'sample-spine_ctd.json');
    const before = readFileSync(truth);
    let err = '';
    try {
      execFileSync(join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/identify.ts', SAMPLE, '--threads', '2'], { cwd: ROOT, stdio: 'pipe' });
    } catch (e) {
      err = String((e as { stderr?: Buffer }).stderr ?? e);
    }
    expect(err).toMatch(/Would replace .*sample-spine_ctd\.json.*Nothing was written/);
    expect(readFileSync(truth).equals(before)).toBe(true);
  }, 60_000);
});

describe('pipeline on scans without a spine', () => {
  const blank = (fill: (i: number, j: number, k: number) => number): Volume => {
    const dims = [96, 96, 80] as const;
    const data = new Int16Array(96 * 96 * 80);
    let o = 0;
    for (let k = 0; k < 80; k++) for (let j = 0; j < 96; j++) for (let i = 0; i < 96; i++) data[o++] = fill(i, j, k);
    return { dims, affine: [1.5, 0, 0, 0, 0, 1.5, 0, 0, 0, 0, 2.5, 0, 0, 0, 0, 1], data };
  };

  it('finds nothing in soft tissue and air, without an exception', async () => {
    const body = blank((i, j) => ((i - 48) ** 2 + (j - 48) ** 2 < 40 ** 2 ? 40 : -1000));
    const r = await analyse(body, models.manifest, models.runner);
    expect(r.vertebrae).toHaveLength(0);
  }, 120_000);

  // Bad or unexpected scans end in an honest result: nothing, or what is found flagged for review.
  const honest = (r: Analysis): { found: number; confident: number } => {
    const labelled = labelVertebrae(r.vertebrae, models.phi, models.manifest.fusion.defaults).filter((v) => v.label !== SET_ASIDE);
    return { found: labelled.length, confident: labelled.filter((v) => v.confidence >= LOW_CONFIDENCE).length };
  };

  it('a head CT (skull, brain, air): no vertebra', async () => {
    const head = blank((i, j, k) => {
      const r = Math.hypot((i - 48) / 40, (j - 48) / 44, (k - 40) / 30);
      return r > 1 ? -1000 : r > 0.9 ? 1200 : 35;
    });
    const h = honest(await analyse(head, models.manifest, models.runner));
    console.log(`head CT: ${h.found} found, ${h.confident} confident`);
    // Models 2026-11-27.3 took a piece or two of the shell for vertebrae (flagged for review); the
    // detector has trained on synthetic skull slices since 2026-11-28.1 (a different shell from this one).
    expect(h.found).toBe(0);
  }, 120_000);

  it('an MR (no Hounsfield units; the reader warns): finishes, nothing given with confidence', async () => {
    const mr: Volume = { ...sample, data: Int16Array.from(sample.data, (v) => Math.max(0, Math.round((v + 1024) * 0.6))) };
    const h = honest(await analyse(mr, models.manifest, models.runner));
    console.log(`MR-like: ${h.found} found, ${h.confident} confident`);
    expect(h.confident).toBeLessThanOrEqual(h.found / 2);
  }, 120_000);

  it('a single vertebra (the sample cut to L3): finishes with at most a few, labelled or flagged', async () => {
    const truth = readCentroids(JSON.parse(readFileSync(join(ROOT, 'public', 'samples', 'sample-spine_ctd.json'), 'utf8')), sample, 'voxel');
    const l3 = truth.find((c) => c.label === 22)!;
    const [nx, ny] = sample.dims;
    const kz = Math.round((l3.world[2] - sample.affine[11]!) / sample.affine[10]!); // axis-aligned sample
    const half = Math.round(14 / Math.abs(sample.affine[10]!));
    const z0 = Math.max(0, kz - half), nz = 2 * half + 1;
    const data = (sample.data as Int16Array).slice(z0 * nx * ny, (z0 + nz) * nx * ny);
    const affine = [...sample.affine];
    affine[11] = affine[11]! + z0 * affine[10]!;
    const r = await analyse({ dims: [nx, ny, nz], affine, data }, models.manifest, models.runner);
    const labelled = labelVertebrae(r.vertebrae, models.phi, models.manifest.fusion.defaults).filter((v) => v.label !== SET_ASIDE);
    console.log(`single vertebra: ${labelled.map((v) => `${v.name} ${(v.confidence * 100).toFixed(0)} %`).join(', ')}`);
    expect(labelled.length).toBeGreaterThanOrEqual(1);
    expect(labelled.length).toBeLessThanOrEqual(3);
    for (const v of labelled) expect(v.label === 22 || v.confidence < LOW_CONFIDENCE).toBe(true);
  }, 120_000);

  it('stops a cancelled run with a "cancelled" error', async () => {
    const signal = { aborted: false };
    const run = analyse(sample, models.manifest, models.runner, { signal, onProgress: (p) => p.stage === 'localise' && (signal.aborted = true) });
    await expect(run).rejects.toSatisfy((e: unknown) => isScanError(e) && e.code === 'cancelled');
  }, 120_000);
});

describe('pipeline on a real CT whose top edge cuts a vertebra', () => {
  // TPTBox sub-ct_label-22: L2 (its lower part in the scan), L3, L4. The re-segmentation of L2's
  // fragment had slid onto L3, and stage 2 then kept one mask for both (src/core/stages/refine.ts).
  it('keeps a mask for every vertebra stage 1 finds, the cut one included', async () => {
    const [c] = findCases(join(realDataDir(), 'tptbox'));
    const scan = await loadScanFile(c!.ct);
    if (!scan.ok) throw new Error(scan.problem.message);
    const r = await analyse(scan.volume, models.manifest, models.runner, { seed: 0 });
    const truth = truthOf(c!).centroids;
    expect(truth.map((t) => t.label)).toEqual([21, 22, 23]);
    expect(recalled(r.candidates, truth)).toBe(3); // stage 1 finds all three within 10 mm
    expect(recalled(r.vertebrae.map((v) => v.bodyCentre), truth)).toBe(3); // and stage 2 keeps a mask at each
    expect(r.vertebrae).toHaveLength(3);
    // The scan's top edge cuts L2 (its volume is partial, and the table says so); L3 lies whole inside.
    expect(r.vertebrae[0]!.cutBy).toContain('S');
    expect(r.vertebrae[1]!.cutBy).toEqual([]);
  }, 120_000);
});

describe('pipeline on a real 40 mm DICOM series (20 slices across T11/T12)', () => {
  // Stage 1 also put candidates on a humerus and two ribs beside the spine. With every mask within
  // one vertebra's height, the line test along the column could not tell (it kept the humerus,
  // labelled T11, and dropped the spine); one mask at each level, by support, keeps the spine.
  it('warns that the scan is too short, and keeps only masks on the spine', async () => {
    const [c] = findCases(join(realDataDir(), 'totalsegmentator')).filter((x) => x.id === 'totalseg-dicom');
    const scan = await loadScanFile(c!.ct);
    if (!scan.ok) throw new Error(scan.problem.message);
    expect(scan.warnings.map((w) => w.code)).toContain('short-coverage');
    const r = await analyse(scan.volume, models.manifest, models.runner, { seed: 0 });
    const truth = truthOf(c!).centroids; // T11 and T12, body centres from TotalSegmentator's labels
    expect(r.vertebrae.length).toBeGreaterThanOrEqual(1);
    for (const v of r.vertebrae) {
      const near = Math.min(...truth.map((t) => Math.hypot(v.bodyCentre[0] - t.world[0], v.bodyCentre[1] - t.world[1])));
      expect(near, `mask at ${v.bodyCentre.map((x) => x.toFixed(0))} mm`).toBeLessThan(30);
    }
  }, 120_000);
});
