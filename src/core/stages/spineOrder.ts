/**
 * Orders vertebra centres along the spine, cranial → caudal, and measures each one's position
 * along it (mm), for fusion's distances. The spine bends (lordosis, scoliosis) but never turns
 * back on itself along S–I, so sorting by S and walking the polyline through the centres works.
 */
export function orderAlongSpine(centres: readonly (readonly [number, number, number])[]): { order: number[]; positions: number[] } {
  const order = centres.map((_, i) => i).sort((a, b) => centres[b]![2] - centres[a]![2]);
  const positions: number[] = [];
  let s = 0;
  order.forEach((idx, n) => {
    if (n > 0) {
      const p = centres[order[n - 1]!]!;
      const q = centres[idx]!;
      s += Math.hypot(q[0] - p[0], q[1] - p[1], q[2] - p[2]);
    }
    positions.push(s);
  });
  return { order, positions };
}

/** Median distance between neighbours along the spine (mm): the unit for fusion's dis(i, j). */
export function typicalSpacing(positions: readonly number[]): number {
  const gaps = positions.slice(1).map((p, i) => p - positions[i]!).sort((a, b) => a - b);
  return gaps.length ? gaps[gaps.length >> 1]! : 1;
}
