import type { ReactElement } from 'react';
import { useUpdateStore } from './pwa';
import { useAnalysisStore } from './state/analysisStore';

/** "A new version is ready": applied when the user reloads, and not while an analysis runs. */
export function UpdateBanner(): ReactElement | null {
  const { waiting, apply } = useUpdateStore();
  const running = useAnalysisStore((s) => s.status === 'running');
  if (!waiting) return null;
  return (
    <div className="update" role="status" data-testid="update">
      A new version of SpineCLUE Web is ready.{' '}
      <button type="button" disabled={running} title={running ? 'After the running analysis' : ''} onClick={apply}>
        Reload to update
      </button>
    </div>
  );
}
