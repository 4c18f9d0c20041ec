import type { ReactElement } from 'react';
import { useScanStore } from './state/scanStore';

const mm = (v: number): string => `${+v.toFixed(2)}`;

/** What is open: name, size, voxel size, orientation; and what went wrong, with what to do. */
export function ScanPanel(): ReactElement {
  const { status, name, info, warnings, problem } = useScanStore();
  return (
    <aside className="panel" aria-live="polite">
      {status === 'loading' && <p data-testid="status">Opening {name}…</p>}
      {problem && (
        <div className="problem" role="alert" data-testid="problem" data-code={problem.code}>
          <strong>{problem.message}</strong>
          {problem.tip && <p>{problem.tip}</p>}
        </div>
      )}
      {status === 'ready' && info && (
        <dl className="scan-info" data-testid="scan-info" data-affine={JSON.stringify(info.affine)}>
          <dt>Scan</dt>
          <dd data-testid="scan-name">{name}</dd>
          <dt>Dimensions</dt>
          <dd data-testid="scan-dims">{info.dims.join(' × ')}</dd>
          <dt>Voxel size</dt>
          <dd data-testid="scan-spacing">{info.spacing.map(mm).join(' × ')} mm</dd>
          <dt>Orientation</dt>
          <dd data-testid="scan-orientation">{info.orientation}</dd>
          <dt>Intensities</dt>
          <dd>
            {Math.round(info.range[0])} to {Math.round(info.range[1])} ({info.datatype})
          </dd>
        </dl>
      )}
      {warnings.length > 0 && (
        <ul className="warnings" data-testid="warnings">
          {warnings.map((w) => (
            <li key={w.code} data-code={w.code}>
              {w.message}
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}
