import { describe, expect, it } from 'vitest';
import { bodylessAtEdge } from './fragments';
import type { InstanceBox } from './stages/idCrop';

/** A box on a 40 × 100 × 60 canonical grid (y: posterior → anterior, z: inferior → superior). */
const box = (id: number, y: [number, number], z: [number, number]): InstanceBox => ({ id, lo: [10, y[0], z[0]], hi: [30, y[1], z[1]], voxels: 100 });
const dims: [number, number, number] = [40, 100, 60];
// T12 whole, y 20–80: its body is y ≥ 56.
const t12 = box(19, [20, 80], [30, 55]);

describe('bodylessAtEdge', () => {
  it('takes a spinous-process tip in the top slices, behind the next level’s body', () => {
    expect(bodylessAtEdge([box(18, [15, 40], [56, 59]), t12], dims)).toEqual([18]);
  });

  it('keeps a fragment that reaches into the neighbour’s body, or one the edge does not cut', () => {
    expect(bodylessAtEdge([box(18, [15, 60], [56, 59]), t12], dims)).toEqual([]);
    expect(bodylessAtEdge([box(18, [15, 40], [56, 58]), t12], dims)).toEqual([]);
  });

  it('works at the bottom edge, with either neighbour', () => {
    expect(bodylessAtEdge([t12, box(20, [10, 30], [0, 4])], dims)).toEqual([20]);
  });

  it('keeps C1, a label without a labelled neighbour, and one in front of either neighbour’s body', () => {
    expect(bodylessAtEdge([box(1, [15, 40], [56, 59]), box(2, [20, 80], [30, 55])], dims)).toEqual([]);
    expect(bodylessAtEdge([box(18, [15, 40], [56, 59]), box(20, [20, 80], [30, 55])], dims)).toEqual([]);
    // T11 (taken beside T12 alone) stays when a T10 fragment further back is its other neighbour:
    // the cut furthest back decides, so the rule errs on keeping
    expect(bodylessAtEdge([box(17, [0, 20], [58, 59]), box(18, [15, 40], [56, 59]), t12], dims)).toEqual([17]);
  });
});
