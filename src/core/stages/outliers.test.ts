import { describe, expect, it } from 'vitest';
import { oneAtEachLevel, onSpine, spineDeviation } from './outliers';

// A lordotic column, 25 mm apart, bending 3 mm forward per level.
const column = Array.from({ length: 8 }, (_, i) => [0, 3 * i, -25 * i] as const);

describe('off-spine masks', () => {
  it('measures each vertebra against the line through its neighbours', () => {
    expect(Math.max(...spineDeviation(column))).toBeLessThan(1e-9);
    expect(spineDeviation(column.slice(0, 2))).toEqual([0, 0]);
  });

  it('drops a rib-head mask beside the column, keeps a smoothly curved (scoliotic) column whole', () => {
    const withRib = [...column.slice(0, 4), [45, 10, -80] as const, ...column.slice(4)];
    expect(onSpine(withRib)).toEqual([0, 1, 2, 3, 5, 6, 7, 8]);
    const scoliotic = Array.from({ length: 10 }, (_, i) => [30 * Math.sin(i / 3), 0, -25 * i] as const);
    expect(onSpine(scoliotic)).toHaveLength(10);
  });

  it('drops both iliac wings past the caudal end, and rib heads on either side at two levels', () => {
    expect(onSpine([...column, [70, 0, -190] as const, [-68, 2, -192] as const])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const ribs = [...column.slice(0, 3), [-50, 0, -60] as const, ...column.slice(3, 5), [48, 5, -110] as const, ...column.slice(5)];
    expect(onSpine(ribs)).toEqual([0, 1, 2, 4, 5, 7, 8, 9]);
  });

  it('two pelvis masks close together far below the column do not vouch for each other against L5 (TotalSegmentator example)', () => {
    // Body centres (mm) of T12…L4, L5 (lordotic: 20 mm posterior of L4), and two masks in the pelvis 100 mm below.
    const lumbar = [[173, 106, 322], [171, 114, 292], [172, 124, 258], [173, 133, 222], [174, 134, 184], [175, 124, 167], [176, 102, 123], [98, 129, 23], [86, 112, 9]] as const;
    expect(onSpine(lumbar)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('does not judge by a line drawn through two masks close together (a crop of L4, L5 and a piece of S1)', () => {
    const crop = [[53, 77, 53], [53, 64, 26], [50, 88, 14]] as const;
    expect(onSpine(crop)).toEqual([0, 1]);
  });

  it('keeps one mask at each level: the one on the line through the other levels, whatever stage 1 supported', () => {
    // A rib head 45 mm beside the fourth vertebra, better supported than it.
    const withRib = [...column.slice(0, 4), [45, 10, -78] as const, ...column.slice(4)];
    const support = withRib.map((_, i) => (i === 4 ? 20 : 10));
    expect(oneAtEachLevel(withRib, support)).toEqual([0, 1, 2, 3, 5, 6, 7, 8]);
    // Nothing side by side: nothing goes, however poorly supported.
    expect(oneAtEachLevel(column, column.map(() => 1))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('in a scan too short for a line, keeps the better-supported mask of each level (a 40 mm DICOM series)', () => {
    // Body centres (canonical mm) and stage 1 support from that series: a humerus, T11, a rib, another rib, T12.
    const slab = [[51, 191, 33], [263, 164, 20], [119, 162, 22], [108, 202, 4], [256, 196, 3]] as const;
    const support = [8, 11, 9, 5, 13];
    expect(oneAtEachLevel(slab, support)).toEqual([1, 4]);
    // onSpine alone cannot tell: it keeps the humerus.
    expect(onSpine(slab)).toContain(0);
  });

  it('does not call a strongly curved (scoliotic) column side by side', () => {
    const scoliotic = Array.from({ length: 10 }, (_, i) => [30 * Math.sin(i / 3), 0, -25 * i] as const);
    expect(oneAtEachLevel(scoliotic, scoliotic.map(() => 1))).toHaveLength(10);
  });
});
