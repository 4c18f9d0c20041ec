import { type ReactElement, useEffect, useState } from 'react';
import { WINDOWS } from '../viewer/ScanViewer';
import { activeViewer } from '../viewer/activeViewer';
import { useAnalysisStore } from './state/analysisStore';

const KEYS: [string, string][] = [
  ['?', 'show / hide this help'],
  ['Ctrl+Z', 'undo a correction'],
  ['Ctrl+Y or Ctrl+Shift+Z', 'redo'],
  ['Shift+↑ / Shift+↓', 'all labels one level up / down'],
  ['F', 'fusion back to the paper’s settings'],
  ['B / T', 'bone / soft-tissue window'],
  ['Esc', 'cancel the running analysis; close this help'],
];

/** Keyboard shortcuts for the frequent actions, and the help overlay that lists them. */
export function Shortcuts(): ReactElement | null {
  const [help, setHelp] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
      const a = useAnalysisStore.getState().actions;
      const k = e.key;
      if (k === '?') setHelp((h) => !h);
      else if (k === 'Escape') {
        setHelp(false);
        a.cancel();
      } else if ((e.ctrlKey || e.metaKey) && k.toLowerCase() === 'z') (e.shiftKey ? a.redo : a.undo)();
      else if ((e.ctrlKey || e.metaKey) && k.toLowerCase() === 'y') a.redo();
      else if (e.shiftKey && k === 'ArrowUp') a.shift(-1);
      else if (e.shiftKey && k === 'ArrowDown') a.shift(1);
      else if (k === 'f' || k === 'F') a.resetFusion();
      else if (k === 'b' || k === 'B') void activeViewer().then((v) => v.setWindow(WINDOWS.bone));
      else if (k === 't' || k === 'T') void activeViewer().then((v) => v.setWindow(WINDOWS.soft));
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  if (!help) return null;
  return (
    <div className="help" role="dialog" aria-label="Keyboard shortcuts" data-testid="help" onClick={() => setHelp(false)}>
      <div>
        <h2>Keyboard shortcuts</h2>
        <dl>
          {KEYS.map(([k, what]) => (
            <div key={k}>
              <dt><kbd>{k}</kbd></dt>
              <dd>{what}</dd>
            </div>
          ))}
        </dl>
      </div>
    </div>
  );
}
