import { MULTIPLANAR_TYPE, Niivue, SHOW_RENDER, SLICE_TYPE } from '@niivue/niivue';

/** CT window presets (HU). One place for these facts. */
export const WINDOWS = {
  bone: { min: -450, max: 1050 },
  soft: { min: -160, max: 240 },
} as const;

/** NiiVue on one canvas: shows the scan the pipeline holds, in multi-planar view. */
export class ScanViewer {
  private readonly nv: Niivue;
  private ready: Promise<unknown>;

  constructor(canvas: HTMLCanvasElement) {
    this.nv = new Niivue({
      backColor: [0, 0, 0, 1],
      show3Dcrosshair: true,
      isResizeCanvas: true,
      loadingText: '',
      multiplanarLayout: MULTIPLANAR_TYPE.GRID,
      multiplanarShowRender: SHOW_RENDER.ALWAYS,
    });
    this.ready = this.nv.attachToCanvas(canvas);
    this.nv.setSliceType(SLICE_TYPE.MULTIPLANAR);
  }

  /** Replaces whatever is shown by this (uncompressed NIfTI) scan, in the bone window. */
  async show(nifti: ArrayBuffer, name: string): Promise<void> {
    await this.ready;
    for (const v of [...this.nv.volumes]) this.nv.removeVolume(v);
    await this.nv.loadFromArrayBuffer(nifti, name.replace(/(\.nii)?(\.gz)?$/i, '') + '.nii');
    this.setWindow(WINDOWS.bone);
  }

  setWindow(w: { min: number; max: number }): void {
    const v = this.nv.volumes[0];
    if (!v) return;
    v.cal_min = w.min;
    v.cal_max = w.max;
    this.nv.updateGLVolume();
  }

  /** Removes the shown scan (after a failed load the previous scan is not left looking current). */
  clear(): void {
    for (const v of [...this.nv.volumes]) this.nv.removeVolume(v);
    this.nv.drawScene();
  }
}
