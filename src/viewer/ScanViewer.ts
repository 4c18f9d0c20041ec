import { MULTIPLANAR_TYPE, NVImage, Niivue, SHOW_RENDER, SLICE_TYPE } from '@niivue/niivue';

/** CT window presets (HU). One place for these facts. */
export const WINDOWS = {
  bone: { min: -450, max: 1050 },
  soft: { min: -160, max: 240 },
} as const;

/** Colour and name of each instance id of the label overlay (id 0 is background). */
export interface LabelTable {
  /** Index = instance id. */
  entries: { rgb: [number, number, number]; name: string; visible: boolean }[];
}

/** NiiVue on one canvas: the scan the pipeline holds in multi-planar view, and its label overlay. */
export class ScanViewer {
  private readonly nv: Niivue;
  private ready: Promise<unknown>;
  private overlay: NVImage | null = null;
  private opacity = 0.5;
  /** Called with the instance id at the crosshair (0: none) and its world position (mm). */
  onHover: ((id: number, mm: [number, number, number]) => void) | null = null;
  /** Called with the instance id under the mouse pointer on a 2D slice (0: none or off the slices). */
  onPointer: ((id: number) => void) | null = null;

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
    canvas.addEventListener('mousemove', (e) => this.onPointer?.(this.idAt(e.clientX, e.clientY)));
    canvas.addEventListener('mouseleave', () => this.onPointer?.(0));
    this.nv.onLocationChange = (loc: unknown) => {
      const l = loc as { values?: { value?: number }[]; mm?: number[] };
      this.onHover?.(Math.round(l.values?.[1]?.value ?? 0), [l.mm?.[0] ?? 0, l.mm?.[1] ?? 0, l.mm?.[2] ?? 0]);
    };
  }

  /**
   * Shows instance ids (uncompressed NIfTI on the scan's display grid) over the scan, coloured by
   * `table`. Only the overlay's layer is built: NiiVue's addVolume would rebuild every layer and
   * upload the CT again, which for a 512 × 512 × 600 scan is tens of seconds on software WebGL.
   */
  async showLabels(nifti: ArrayBuffer, table: LabelTable): Promise<void> {
    await this.ready;
    const img = await NVImage.loadFromUrl({ url: 'labels.nii', name: 'labels.nii', buffer: nifti, opacity: this.opacity });
    img.setColormapLabel(colormap(table));
    const back = this.nv.volumes[0];
    if (!back) return; // the scan was closed meanwhile
    const layers = this.nv.volumes.length;
    this.nv.volumes = [back, img]; // replaces the earlier (shown or hidden) overlay, if any
    this.nv.overlays = [img];
    if (layers <= 2) {
      this.nv.refreshLayers(img, 1);
      this.nv.drawScene();
    } else {
      this.nv.updateGLVolume(); // layers this class did not make: NiiVue rebuilds them all
    }
    this.overlay = img;
  }

  /**
   * Recolours / renames the overlay (fusion changes, corrections): no volume is reloaded, and only
   * the overlay's layer is rebuilt — updateGLVolume would re-upload the CT as well, which is most
   * of a slider move's repaint time (≈ 150 ms of 170 on this machine's software WebGL).
   */
  setLabelTable(table: LabelTable): void {
    if (!this.overlay) return;
    this.overlay.setColormapLabel(colormap(table));
    const layer = this.nv.volumes.indexOf(this.overlay);
    if (layer !== 1) return this.nv.updateGLVolume(); // only the scan's one overlay has the fast path
    this.nv.refreshLayers(this.overlay, layer);
    this.nv.drawScene();
  }

  setOverlayOpacity(opacity: number): void {
    this.opacity = opacity;
    const i = this.overlay ? this.nv.volumes.indexOf(this.overlay) : -1;
    if (i > 0) this.nv.setOpacity(i, opacity);
  }

  /**
   * Hides the labels. The overlay layer stays, fully transparent, until the next showLabels replaces
   * it: removing it would make NiiVue rebuild (re-upload) the CT's layer as well.
   */
  clearLabels(): void {
    if (!this.overlay) return;
    this.setLabelTable({ entries: [] });
    this.overlay = null;
  }

  /** The instance id under a client (CSS pixel) position, on the 2D slices; 0 elsewhere. */
  idAt(clientX: number, clientY: number): number {
    const overlay = this.overlay;
    const canvas = this.nv.canvas as HTMLCanvasElement | null;
    if (!overlay || !canvas) return 0;
    const r = canvas.getBoundingClientRect();
    const dpr = this.nv.uiData.dpr ?? 1;
    const frac = this.nv.canvasPos2frac([(clientX - r.left) * dpr, (clientY - r.top) * dpr]);
    if (frac[0]! < 0 || frac[1]! < 0 || frac[2]! < 0) return 0; // the 3D render or the margins
    const vox = Array.from(overlay.mm2vox(Array.from(this.nv.frac2mm(frac, 0, true))), Math.round);
    const d = overlay.hdr?.dims;
    if (!d) return 0;
    const dims = [d[1]!, d[2]!, d[3]!];
    if (vox.some((v, a) => v < 0 || v >= dims[a]!)) return 0;
    return Math.round(overlay.getValue(vox[0]!, vox[1]!, vox[2]!) || 0);
  }

  /** Moves the crosshair to a world (RAS mm) position. */
  centreOn(world: readonly [number, number, number]): void {
    if (!this.nv.volumes.length) return;
    this.nv.scene.crosshairPos = this.nv.mm2frac([world[0], world[1], world[2]]);
    this.nv.updateGLVolume();
    this.nv.createOnLocationChange(); // report the new position (label under it) as a click would
  }

  /** The canvas as PNG (drawScene first: WebGL may have cleared the buffer). */
  async screenshot(): Promise<Blob> {
    this.nv.drawScene();
    const canvas = this.nv.canvas as HTMLCanvasElement;
    return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('screenshot failed'))), 'image/png'));
  }

  /** Replaces whatever is shown by this (uncompressed NIfTI) scan, in the bone window. */
  async show(nifti: ArrayBuffer, name: string): Promise<void> {
    await this.ready;
    this.removeAll();
    // Not loadFromArrayBuffer: it files the buffer in NiiVue's document, which removeVolume never
    // clears — each scan opened would stay in memory for the life of the tab.
    const file = name.replace(/(\.nii)?(\.gz)?$/i, '') + '.nii';
    const img = await NVImage.loadFromUrl({ url: file, name: file, buffer: nifti });
    // The window before addVolume: setting it after would upload the whole CT a second time.
    img.cal_min = WINDOWS.bone.min;
    img.cal_max = WINDOWS.bone.max;
    this.nv.addVolume(img);
  }

  setWindow(w: { min: number; max: number }): void {
    const v = this.nv.volumes[0];
    if (!v) return;
    v.cal_min = w.min;
    v.cal_max = w.max;
    this.nv.updateGLVolume();
  }

  /**
   * Empties NiiVue's layers. The overlays leave the list first: removing them one by one would
   * rebuild (re-upload) the CT's layer after each.
   */
  private removeAll(): void {
    this.overlay = null;
    const back = this.nv.volumes[0];
    this.nv.volumes = back ? [back] : [];
    this.nv.overlays = [];
    if (back) this.nv.removeVolume(back);
  }

  /** Removes the shown scan (after a failed load the previous scan is not left looking current). */
  clear(): void {
    this.removeAll();
    this.nv.drawScene();
  }
}

function colormap(table: LabelTable): { R: number[]; G: number[]; B: number[]; A: number[]; I: number[]; labels: string[] } {
  const n = Math.max(table.entries.length, 1);
  const cm = { R: [] as number[], G: [] as number[], B: [] as number[], A: [] as number[], I: [] as number[], labels: [] as string[] };
  for (let i = 0; i < n; i++) {
    const e = table.entries[i];
    const show = i > 0 && e?.visible;
    cm.R.push(e?.rgb[0] ?? 0);
    cm.G.push(e?.rgb[1] ?? 0);
    cm.B.push(e?.rgb[2] ?? 0);
    cm.A.push(show ? 255 : 0);
    cm.I.push(i);
    cm.labels.push(i === 0 ? '' : (e?.name ?? ''));
  }
  return cm;
}
