/** Anchor calls judged against the true level of the vertebra each was made on (the eval's per-vertebra check). */
import { nearestTruth } from '../../src/core/calibration';
import type { Centroid } from '../../src/core/centroids';
import type { FoundVertebra } from '../../src/core/pipeline';

export interface AnchorTally {
  /** Rib calls on true T1–T12 (should be 'ribs') and on every other level (should be 'none'). */
  ribs: { right: number; wrong: number; unknown: number };
  /** Pelvis beside the vertebra: right on a true L5 (L6) or its absence elsewhere; L4 with the pelvis is counted apart (the iliac crests reach it). */
  pelvis: { right: number; wrong: number; l4: number };
  /** Wrong calls as "level:call", for the log. */
  misses: string[];
}

const THORACIC = (l: number): boolean => (l >= 8 && l <= 19) || l === 28;

export function anchorCalls(found: readonly FoundVertebra[], truth: readonly Centroid[], tolMm = 20): AnchorTally {
  const t: AnchorTally = { ribs: { right: 0, wrong: 0, unknown: 0 }, pelvis: { right: 0, wrong: 0, l4: 0 }, misses: [] };
  for (const v of found) {
    if (!v.anchors) continue;
    const best = nearestTruth(v.bodyCentre, truth, tolMm);
    if (!best) continue;
    const { ribs, pelvis } = v.anchors;
    if (ribs === 'unknown') t.ribs.unknown++;
    else if ((ribs === 'ribs') === THORACIC(best.label)) t.ribs.right++;
    else {
      t.ribs.wrong++;
      t.misses.push(`${best.label}:${ribs}`);
    }
    const l5 = best.label === 24 || best.label === 25;
    if (pelvis && best.label === 23) t.pelvis.l4++;
    else if (pelvis === l5) t.pelvis.right++;
    else {
      t.pelvis.wrong++;
      t.misses.push(`${best.label}:${pelvis ? 'pelvis' : 'no pelvis'}`);
    }
  }
  return t;
}

export function anchorNote(t: AnchorTally): string {
  return `ribs ${t.ribs.right}✓ ${t.ribs.wrong}✗ ${t.ribs.unknown}?, pelvis ${t.pelvis.right}✓ ${t.pelvis.wrong}✗${t.pelvis.l4 ? ` (+${t.pelvis.l4} at L4)` : ''}${t.misses.length ? ` [${t.misses.join(' ')}]` : ''}`;
}
