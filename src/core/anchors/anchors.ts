import type { Dims } from '../volume';
import type { BodyOf } from '../stages/bodyCentre';
import type { InstanceBox } from '../stages/idCrop';
import { boneBelow } from './boneBelow';
import { type LateralBone, lateralBone } from './lateralBone';

/**
 * What the CT beside one vertebra says about its level, as a radiologist counts: ribs leave T1–T12,
 * the sacrum and the iliac bones sit beside L5 (and the crests beside L4).
 * - `ribs`: 'ribs' when bone outside every mask leaves the vertebra beside its body and runs out
 *   past the vertebra's own processes on at least one side; 'none' when the scan shows enough room
 *   on both sides and nothing does; 'unknown' when the scan's edge is too close to tell.
 * - `pelvis`: a large mass of bone beside the body (sacral ala, ilium), far larger than a rib.
 */
export type RibCall = 'ribs' | 'none' | 'unknown';

export interface Anchors {
  ribs: RibCall;
  pelvis: boolean;
  /** Pelvis beside it and bone, not a disc, under its body: a segment of the sacrum, not a free vertebra. */
  sacrum: boolean;
  /** The measurements behind the calls, right then left (mm, ml). */
  sides: [LateralBone, LateralBone];
}

/** Thresholds of the calls: the bone past the vertebra's own mask that makes a rib (mm), and the volume beside the body that is the pelvis, not a rib (ml). */
export interface AnchorRule {
  ribBeyondMm: number;
  pelvisMl: number;
  /** Share of bone under the body from which no disc lies there. */
  fusedBelow: number;
}

export const ANCHOR_RULE: AnchorRule = { ribBeyondMm: 10, pelvisMl: 15, fusedBelow: 0.5 };

/** The calls from the measurements: `below` is boneBelow's share (null: the scan ends there). */
export function callAnchors(sides: [LateralBone, LateralBone], below: number | null, rule: AnchorRule = ANCHOR_RULE): Anchors {
  const pelvis = sides.some((s) => s.volumeMl >= rule.pelvisMl);
  const rib = (s: LateralBone): boolean => s.reachMm - s.maskReachMm >= rule.ribBeyondMm;
  const seesOut = (s: LateralBone): boolean => s.roomMm - s.maskReachMm >= rule.ribBeyondMm && !s.atEdge;
  const ribs: RibCall = pelvis ? 'unknown' : sides.some(rib) ? 'ribs' : sides.every(seesOut) ? 'none' : 'unknown';
  return { ribs, pelvis, sacrum: pelvis && below !== null && below >= rule.fusedBelow, sides };
}

/** The anchors of one vertebra of a canonical instance map (RAS, isotropic `spacing` mm): its mask box and body (stages/bodyCentre). */
export function anchorsOf(ct: ArrayLike<number>, ids: ArrayLike<number>, dims: Dims, spacing: number, box: InstanceBox, body: BodyOf, rule: AnchorRule = ANCHOR_RULE): Anchors {
  return callAnchors(lateralBone(ct, ids, dims, spacing, box, body), boneBelow(ct, ids, dims, spacing, box.id, body), rule);
}
