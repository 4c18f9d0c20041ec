import { describe, expect, it } from 'vitest';
import { centroidJson, exportNames, labelMap, scanStem, vertebraeCsv } from './exports';
import { PAPER_FUSION, shiftPhiSet } from './fusion';
import { readCentroids } from './centroids';
import { LOW_CONFIDENCE, labelVertebrae } from './labelling';
import type { FoundVertebra } from './pipeline';

/** Vertebrae with one confident class each (class c = VerSe label c + 1), 30 mm apart. */
function found(classes: number[], conf = 0.8): FoundVertebra[] {
  return classes.map((c, i) => {
    // The rest of the mass mostly on the neighbouring levels, as the identifier's doubts are.
    const p = new Array(24).fill(0).map((_, k) => (Math.abs(k - c) === 1 ? (0.8 * (1 - conf)) / 2 : (0.2 * (1 - conf)) / 21));
    p[c] = conf;
    const h = -p.reduce((a: number, x: number) => a + x * Math.log(x), 0);
    return { id: i + 1, p, entropy: h, positionMm: i * 30, bodyCentre: [0, 10, -30 * i], massCentre: [0, -5, -30 * i], volumeMl: 40 + i, cutBy: [], support: 10 };
  });
}

describe('labelling', () => {
  const phi = shiftPhiSet(3);

  it('fusion corrects one mislabelled vertebra in a confident sequence; labelBefore keeps the identifier’s call', () => {
    const seq = found([16, 17, 20, 19, 20, 21]); // T10 T11 [L2] L1 L2 L3 — the third is T12
    const out = labelVertebrae(seq, phi, { ...PAPER_FUSION, theta: 0.5, order: false });
    expect(out.map((v) => v.name)).toEqual(['T10', 'T11', 'T12', 'L1', 'L2', 'L3']);
    expect(out[2]!.labelBefore).toBe(21);
    expect(out[2]!.confidence).toBeLessThan(out[0]!.confidence);
    const none = labelVertebrae(seq, phi, { ...PAPER_FUSION, hops: 0, order: false });
    expect(none[2]!.name).toBe('L2');
  });

  it('decodes labels in order along the spine: no level twice, none out of sequence, a measured gap kept', () => {
    // Two vertebrae say L4; the identifier alone would name both. Fusion off, order on.
    const seq = found([19, 20, 21, 21, 22]);
    const plain = labelVertebrae(seq, phi, { ...PAPER_FUSION, hops: 0, order: false }).map((v) => v.name);
    expect(plain).toEqual(['L1', 'L2', 'L3', 'L3', 'L4']);
    const out = labelVertebrae(seq, phi, { ...PAPER_FUSION, hops: 0 });
    expect(out.map((v) => v.name)).toEqual(['L1', 'L2', 'L3', 'L4', 'L5']);
    // decoded against the identifier (it said L3 at 0.8): the least sure of the chain, and flagged
    expect(out[3]!.confidence).toBeLessThan(LOW_CONFIDENCE);
    for (const v of [out[0]!, out[1]!]) expect(out[3]!.confidence).toBeLessThan(v.confidence);
    // A chain that agrees with itself is surer of each level than each vertebra alone; in the
    // paper's mode (no decoding) the confidence is the fused probability.
    const agree = labelVertebrae(found([19, 20, 21, 22, 23], 0.6), phi, { ...PAPER_FUSION, hops: 0 });
    for (const v of agree) expect(v.confidence).toBeGreaterThan(v.fused[v.label - 1]! + 0.1);
    const paper = labelVertebrae(found([19, 20, 21, 22, 23], 0.6), phi, { ...PAPER_FUSION, hops: 0, order: false });
    for (const v of paper) expect(v.confidence).toBe(v.fused[v.label - 1]);
    // A gap of two spacings between the 2nd and 3rd: one level skipped there, not a shift below.
    const gap = found([8, 9, 11, 12, 13], 0.6).map((v, i) => ({ ...v, positionMm: i < 2 ? i * 25 : i * 25 + 25 }));
    gap[2]!.p = new Array(24).fill(1 / 24); // the one after the gap has no idea
    expect(labelVertebrae(gap, phi, { ...PAPER_FUSION, hops: 0 }).map((v) => v.name)).toEqual(['T2', 'T3', 'T5', 'T6', 'T7']);
  });

  it('keeps a user correction and lets it pull its neighbours', () => {
    const seq = found([19, 20, 21, 22], 0.5); // T12 L1 L2 L3, weakly
    const out = labelVertebrae(seq, phi, { ...PAPER_FUSION, theta: 2 }, new Map([[4, 24]])); // "the last one is L5"
    expect(out[3]).toMatchObject({ label: 24, name: 'L5', confidence: 1, corrected: true });
    expect(out[2]!.name).toBe('L4');
  });

  it('uses the ring centre for C1 and the body centre for the others', () => {
    const out = labelVertebrae(found([0, 1]), phi, PAPER_FUSION);
    expect(out[0]!.centroid).toEqual([0, -5, -0]);
    expect(out[1]!.centroid).toEqual([0, 10, -30]);
  });
});

describe('exports', () => {
  const out = labelVertebrae(found([18, 19, 20]), shiftPhiSet(3), PAPER_FUSION);
  const affine = [2, 0, 0, -10, 0, 2, 0, -20, 0, 0, 3, -90, 0, 0, 0, 1];

  it('maps instance ids to VerSe labels on the same grid', () => {
    const inst = { dims: [2, 2, 1] as const, affine, data: Uint16Array.from([0, 1, 2, 3]) };
    const lm = labelMap(inst, out);
    expect(Array.from(lm.data)).toEqual([0, 19, 20, 21]);
    expect(lm.affine).toBe(affine);
  });

  it('writes centroids that read back to the same world positions, and a CSV with one row each', () => {
    const grid = { dims: [20, 20, 40] as const, affine };
    const back = readCentroids(JSON.parse(JSON.stringify(centroidJson(out, grid))), grid, 'voxel');
    expect(back.map((c) => c.label)).toEqual([19, 20, 21]);
    back.forEach((c, i) => c.world.forEach((w, a) => expect(w).toBeCloseTo(out[i]!.centroid[a]!, 1)));
    const rows = vertebraeCsv(out).trim().split('\n').map((r) => r.split(','));
    expect(rows[0]).toContain('label_before_fusion');
    expect(rows.slice(1).map((r) => r[1])).toEqual(['T12', 'L1', 'L2']);
    // The faces of the scan that cut a mask: its volume is partial.
    const cut = vertebraeCsv(out.map((v, i) => ({ ...v, cutBy: i === 0 ? (['S', 'P'] as const).slice() : [] }))).trim().split('\n').map((r) => r.split(','));
    expect(rows[0]!.slice(-4)).toEqual(['cut_by_scan_edge', 'ribs', 'pelvis_beside', 'sacrum_like']);
    expect(cut.slice(1).map((r) => r.at(-4))).toEqual(['S;P', '', '']);
    // The landmarks behind each level, as read beside its mask.
    const withAnchors = vertebraeCsv(out.map((v, i) => ({ ...v, anchors: { ribs: i === 0 ? ('ribs' as const) : ('none' as const), pelvis: false, sacrum: false } }))).trim().split('\n').map((r) => r.split(','));
    expect(withAnchors.slice(1).map((r) => r.slice(-3).join(' '))).toEqual(['ribs 0 0', 'none 0 0', 'none 0 0']);
  });

  it('names exports after the scan', () => {
    expect(scanStem('/data/sub-verse008_ct.nii.gz')).toBe('sub-verse008_ct');
    expect(scanStem('C:\\scans\\case.nii')).toBe('case');
    expect(exportNames('x').mask).toBe('x_seg-vert_msk.nii.gz');
  });
});
