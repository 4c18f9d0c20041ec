import { type ReactElement, useEffect, useRef } from 'react';
import { resetActiveViewer, setActiveViewer } from '../viewer/activeViewer';
import { ScanViewer } from '../viewer/ScanViewer';

/** The NiiVue canvas; registers its viewer so loaders can show scans in it. */
export function ViewerCanvas(): ReactElement {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    setActiveViewer(new ScanViewer(canvas.current));
    return resetActiveViewer;
  }, []);
  return (
    <div className="viewer">
      <canvas ref={canvas} data-testid="viewer-canvas" />
    </div>
  );
}
