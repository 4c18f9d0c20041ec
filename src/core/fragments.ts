import type { InstanceBox } from './stages/idCrop';
import type { Dims } from './volume';

/**
 * Vertebrae of a ground-truth mask that the scan's edge cuts so that none of their body is inside:
 * labels whose voxels touch the first or last slice along S–I and all lie behind the body of every
 * labelled neighbouring level (the anterior 40 % of its box, as bodyCentre takes it), on the
 * canonical RAS grid (y runs posterior → anterior). Such a label is an arch or a spinous-process tip
 * whose body lies beyond the scan: it has no body centre to find, and the validation phantoms leave
 * a vertebra whose body centre is outside the scan unlabelled (training/phantoms/case.py), as VerSe
 * labels the vertebrae present in the image. A neighbour that is itself such a fragment sets a cut
 * further back, so the rule only ever keeps more; C1 (no body) and a label without a labelled
 * neighbour are always kept.
 */
export function bodylessAtEdge(boxes: readonly InstanceBox[], dims: Dims): number[] {
  const byId = new Map(boxes.map((b) => [b.id, b]));
  const bodyBack = (b: InstanceBox): number => b.hi[1] - 0.4 * (b.hi[1] - b.lo[1]); // its body: the anterior 40 %
  return boxes
    .filter((b) => {
      if (b.id === 1 || (b.lo[2] > 0 && b.hi[2] < dims[2] - 1)) return false;
      const cuts = [byId.get(b.id - 1), byId.get(b.id + 1)].filter((n): n is InstanceBox => !!n).map(bodyBack);
      return cuts.length > 0 && b.hi[1] < Math.min(...cuts);
    })
    .map((b) => b.id);
}
