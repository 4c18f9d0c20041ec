import { type ReactElement, useEffect } from 'react';
import { AnalysisPanel } from './AnalysisPanel';
import { DropZone } from './DropZone';
import { ScanPanel } from './ScanPanel';
import { Shortcuts } from './Shortcuts';
import { UpdateBanner } from './UpdateBanner';
import { useScanActions, useScanStore } from './state/scanStore';
import { ViewerCanvas } from './ViewerCanvas';

export function App(): ReactElement {
  const { openSample } = useScanActions();
  useEffect(() => {
    // Start with the built-in sample unless the user already opened something (?empty skips it).
    if (useScanStore.getState().status === 'empty' && !new URLSearchParams(location.search).has('empty')) void openSample();
  }, [openSample]);
  return (
    <div className="app">
      <header>
        <h1>SpineCLUE Web</h1>
        <DropZone />
        <button type="button" data-testid="help-button" title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts" onClick={() => window.dispatchEvent(new KeyboardEvent('keydown', { key: '?' }))}>
          ?
        </button>
      </header>
      <Shortcuts />
      <UpdateBanner />
      <main>
        <ViewerCanvas />
        <div className="side">
          <ScanPanel />
          <AnalysisPanel />
        </div>
      </main>
    </div>
  );
}
