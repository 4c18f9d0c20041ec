import type { ScanViewer } from './ScanViewer';

/** The one viewer on the page, registered by the component that owns its canvas. */
let resolveViewer: (v: ScanViewer) => void;
let viewer = new Promise<ScanViewer>((r) => (resolveViewer = r));

export function setActiveViewer(v: ScanViewer): void {
  resolveViewer(v);
}

export function activeViewer(): Promise<ScanViewer> {
  return viewer;
}

/** Forget the registered viewer (its canvas was unmounted). */
export function resetActiveViewer(): void {
  viewer = new Promise<ScanViewer>((r) => (resolveViewer = r));
}
