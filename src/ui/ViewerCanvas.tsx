import { type ReactElement, useEffect, useRef, useState } from 'react';
import { activeViewer, resetActiveViewer, setActiveViewer } from '../viewer/activeViewer';
import { ScanViewer, WINDOWS } from '../viewer/ScanViewer';
import { useAnalysisStore } from './state/analysisStore';

/** The NiiVue canvas with its view controls (window presets, overlay opacity) and the label under the cursor. */
export function ViewerCanvas(): ReactElement {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [hoverId, setHoverId] = useState(0);
  const [pointerId, setPointerId] = useState(0);
  const [crosshair, setCrosshair] = useState<[number, number, number] | null>(null);
  const [opacity, setOpacity] = useState(0.5);
  const [preset, setPreset] = useState<keyof typeof WINDOWS>('bone');
  const labelled = useAnalysisStore((s) => s.labelled);
  useEffect(() => {
    if (!canvas.current) return;
    const v = new ScanViewer(canvas.current);
    v.onHover = (id, mm) => {
      setHoverId(id);
      setCrosshair(mm);
    };
    v.onPointer = setPointerId;
    setActiveViewer(v);
    return resetActiveViewer;
  }, []);
  // Under the mouse when it is over a labelled vertebra on a slice, else at the crosshair.
  const hovered = labelled.find((v) => v.id === pointerId) ?? labelled.find((v) => v.id === hoverId);
  const choose = (w: keyof typeof WINDOWS): void => {
    setPreset(w);
    void activeViewer().then((v) => v.setWindow(WINDOWS[w]));
  };
  return (
    <div className="viewer" data-testid="viewer" data-crosshair={crosshair ? JSON.stringify(crosshair.map((v) => Math.round(v * 10) / 10)) : ''}>
      <canvas ref={canvas} data-testid="viewer-canvas" />
      <div className="view-controls">
        {(Object.keys(WINDOWS) as (keyof typeof WINDOWS)[]).map((w) => (
          <button key={w} type="button" data-testid={`window-${w}`} aria-pressed={preset === w} onClick={() => choose(w)}>
            {w === 'bone' ? 'Bone' : 'Soft tissue'}
          </button>
        ))}
        <label>
          Labels
          <input type="range" min={0} max={1} step={0.05} value={opacity} data-testid="overlay-opacity"
            onChange={(e) => {
              const o = Number(e.target.value);
              setOpacity(o);
              void activeViewer().then((v) => v.setOverlayOpacity(o));
            }} />
        </label>
        <span className="hover-label" data-testid="hover-label" title="Label under the mouse (or at the crosshair)" data-pointer={pointerId}>{hovered ? hovered.name : ''}</span>
      </div>
    </div>
  );
}
