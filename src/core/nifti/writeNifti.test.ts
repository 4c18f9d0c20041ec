import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readReal } from '../../testing/realData';
import { readNifti } from './readNifti';
import { buildNifti } from './testNifti';
import { writeNifti } from './writeNifti';

describe('writeNifti: label maps on the original grid', () => {
  it('keeps a qform-only file\'s geometry fields verbatim (VerSe PIR case)', () => {
    const src = readNifti(readReal('verse/sub-verse008_seg-vert_msk.nii.gz'), { kind: 'label' });
    expect(src.info.affineFrom).toBe('qform');
    const back = readNifti(writeNifti(src.volume), { kind: 'label' });
    expect(back.volume.affine).toEqual(src.volume.affine);
    expect(back.info.affineFrom).toBe('qform');
    expect(back.volume.data).toEqual(src.volume.data);
  });

  it('keeps an sform file\'s geometry and writes uint16 labels', () => {
    const data = new Uint16Array(4 * 3 * 2).map((_, i) => i * 20);
    const srow = [0, 0, -1.5, 40, -1.5, 0, 0, 20, 0, -1.5, 0, 10];
    const src = readNifti(buildNifti({ datatype: 512, values: data, srow, pixdim: [1, 1.5, 1.5, 1.5] }), { kind: 'label' });
    const back = readNifti(writeNifti(src.volume, { gzip: false }), { kind: 'label' });
    expect(back.volume.affine).toEqual(src.volume.affine);
    expect(back.volume.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(back.volume.data)).toEqual(Array.from(data));
  });

  it('is read by nibabel with the same affine, orientation and labels', () => {
    const src = readNifti(readReal('tptbox/sub-ct_seg-vert_label-22_msk.nii.gz'), { kind: 'label' });
    const dir = mkdtempSync(join(tmpdir(), 'spineclue-'));
    const out = join(dir, 'labels.nii.gz');
    writeFileSync(out, writeNifti(src.volume, { description: 'SpineCLUE labels' }));
    const py = `import nibabel as nib, numpy as np, json, sys
img = nib.load(sys.argv[1]); d = np.asanyarray(img.dataobj)
print(json.dumps({"affine": img.affine.tolist(), "axcodes": "".join(nib.aff2axcodes(img.affine)), "sum": int(d.astype(np.int64).sum()), "shape": list(d.shape), "descrip": img.header["descrip"].tobytes().decode().strip(chr(0))}))`;
    const res = JSON.parse(execFileSync('/usr/bin/python3', ['-c', py, out], { encoding: 'utf8' }));
    expect(res.axcodes).toBe('PIR');
    expect(res.shape).toEqual([73, 47, 73]);
    expect(res.descrip).toBe('SpineCLUE labels');
    (res.affine as number[][]).slice(0, 3).flat().forEach((v, i) => expect(v).toBeCloseTo(src.volume.affine[i]!, 5));
    let sum = 0;
    for (const v of src.volume.data) sum += v;
    expect(res.sum).toBe(sum);
  });
});
