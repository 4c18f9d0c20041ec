import { type ReactElement, useEffect, useState } from 'react';
import { labelColour, labelName as labelNameOf } from '../core/labels';
import { LOW_CONFIDENCE, SET_ASIDE } from '../core/labelling';
import { cutNote } from '../core/stages/measure';
import { exportResult } from './exportActions';
import type { Stage } from '../core/pipeline';
import { activeViewer } from '../viewer/activeViewer';
import { useAnalysisActions, useAnalysisStore } from './state/analysisStore';

const STAGES: { stage: Stage; label: string; noun: string }[] = [
  { stage: 'localise', label: 'Localise', noun: 'slices' },
  { stage: 'segment', label: 'Segment', noun: 'vertebrae' },
  { stage: 'identify', label: 'Identify', noun: 'vertebrae' },
];
const ORDER: Stage[] = ['prepare', 'localise', 'segment', 'identify'];

function useElapsed(running: boolean, since: number | null): number {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(performance.now()), 250);
    return () => clearInterval(t);
  }, [running]);
  return since === null ? 0 : (now - since) / 1000;
}

/** Progress of the run, the backend in use, the vertebra table and the fusion controls. */
export function AnalysisPanel(): ReactElement | null {
  const s = useAnalysisStore();
  const { cancel, run } = useAnalysisActions();
  const elapsed = useElapsed(s.status === 'running', s.startedAt);
  if (s.status === 'idle') return null;
  const at = s.progress ? ORDER.indexOf(s.progress.stage) : 0;
  return (
    <section className="analysis" data-testid="analysis" data-status={s.status}>
      {s.backend && (
        <p className="backend" data-testid="backend" data-backend={s.backend.name} title={s.backend.reason ?? ''}>
          {s.backend.name === 'webgpu' ? 'WebGPU' : `WASM, ${s.backend.threads} thread${s.backend.threads === 1 ? '' : 's'}`}
          {s.backend.reason && <span className="reason"> — {s.backend.reason}</span>}
        </p>
      )}
      {s.status === 'running' && (
        <div className="progress" data-testid="progress">
          {STAGES.map(({ stage, label, noun }) => {
            const i = ORDER.indexOf(stage);
            const cur = s.progress?.stage === stage ? s.progress : null;
            const frac = i < at ? 1 : cur && cur.total ? cur.done / cur.total : 0;
            return (
              <div key={stage} className="stage" data-stage={stage}>
                <span>
                  {label}
                  {cur ? ` ${cur.done} / ${cur.total} ${noun}` : i < at ? ' ✓' : ''}
                </span>
                <progress max={1} value={frac} />
              </div>
            );
          })}
          <p>
            {elapsed.toFixed(0)} s <button type="button" data-testid="cancel" onClick={cancel}>Cancel</button>
          </p>
        </div>
      )}
      {s.status === 'cancelled' && (
        <p data-testid="cancelled">
          Analysis cancelled. <button type="button" onClick={() => void run()}>Run again</button>
        </p>
      )}
      {s.problem && (
        <div className="problem" role="alert" data-testid="analysis-problem" data-code={s.problem.code}>
          <strong>{s.problem.message}</strong>
          {s.problem.tip && <p>{s.problem.tip}</p>}
        </div>
      )}
      {s.status === 'done' && <Results />}
    </section>
  );
}

/** Level names a vertebra can be given: C1–L5, the transitional L6 and T13, and "not a vertebra". */
const LEVELS = [...Array.from({ length: 24 }, (_, i) => i + 1), 25, 28, SET_ASIDE];

function Results(): ReactElement {
  const { labelled, timings, work, past, future } = useAnalysisStore();
  const { relabel, anchor, shift, undo, redo } = useAnalysisActions();
  if (!labelled.length) {
    return (
      <p className="problem" data-testid="no-vertebrae">
        No vertebra was found. Is the spine in the field of view, and is this a CT?
      </p>
    );
  }
  const review = labelled.filter((v) => v.label !== SET_ASIDE && v.confidence < LOW_CONFIDENCE).length;
  const cut = labelled.filter((v) => v.label !== SET_ASIDE && v.cutBy.length > 0).length;
  return (
    <>
      {review > 0 && (
        <p className="review-note" data-testid="review-note">
          {review} vertebra{review > 1 ? 'e' : ''} below {LOW_CONFIDENCE * 100} % confidence: check {review > 1 ? 'them' : 'it'} (⚠).
        </p>
      )}
      {cut > 0 && (
        <p className="cut-note" data-testid="cut-note">
          {cut} vertebra{cut > 1 ? 'e' : ''} cut by the scan's edge (✂): {cut > 1 ? 'their volumes count' : 'its volume counts'} only the part inside the scan.
        </p>
      )}
      <div className="toolbar">
        <button type="button" data-testid="shift-up" title="All labels one level up (Shift+↑)" onClick={() => shift(-1)}>All ↑</button>
        <button type="button" data-testid="shift-down" title="All labels one level down (Shift+↓)" onClick={() => shift(1)}>All ↓</button>
        <button type="button" data-testid="undo" disabled={!past.length} title="Undo (Ctrl+Z)" onClick={undo}>Undo</button>
        <button type="button" data-testid="redo" disabled={!future.length} title="Redo (Ctrl+Y)" onClick={redo}>Redo</button>
      </div>
      <table className="vertebrae" data-testid="vertebrae">
        <thead>
          <tr>
            <th>Level</th>
            <th title="Probability that this level is right: how many of the labellings consistent along the spine give it (calibrated on phantoms); with 'In order along the spine' off, the fused probability">Conf.</th>
            <th title="Entropy of the MC-dropout mean (nats)">Unc.</th>
            <th>Vol. ml</th>
            <th title="Identifier alone, before message fusion">Before</th>
            <th title="This one is right: relabel the others consecutively">Anchor</th>
          </tr>
        </thead>
        <tbody>
          {labelled.map((v) => (
            <tr key={v.id} data-testid="vertebra-row" data-id={v.id} data-label={v.label} data-before={v.labelBefore} data-corrected={v.corrected} data-centroid={JSON.stringify(v.centroid.map((c) => Math.round(c * 10) / 10))}
              className={`${v.label === SET_ASIDE ? 'aside' : v.confidence < LOW_CONFIDENCE ? 'review' : ''} ${v.corrected ? 'corrected' : ''}`}
              title={v.label === SET_ASIDE ? 'Set aside: at an end of the spine and not consistent with its levels (not drawn, not exported). Give it a level to include it.' : undefined}
              onClick={() => void activeViewer().then((viewer) => viewer.centreOn(v.centroid))}>
              <td>
                <span className="swatch" style={{ background: v.label === SET_ASIDE ? 'transparent' : `rgb(${labelColour(v.label).join(',')})` }} />
                <select aria-label={`Level of vertebra ${v.id}`} data-testid="relabel" value={v.label} onClick={(e) => e.stopPropagation()}
                  onChange={(e) => relabel(v.id, Number(e.target.value))}>
                  {LEVELS.map((l) => (
                    <option key={l} value={l}>{labelNameOf(l)}</option>
                  ))}
                </select>
              </td>
              <td>{(v.confidence * 100).toFixed(0)} %</td>
              <td>{v.uncertainty.toFixed(2)}</td>
              <td data-testid="volume" data-cut={v.cutBy.join('')} title={cutNote(v.cutBy) || undefined}>
                {v.volumeMl.toFixed(1)}
                {v.cutBy.length > 0 && <span className="cut" aria-label="cut by the scan's edge"> ✂</span>}
              </td>
              <td>{v.labelBefore !== v.label ? labelNameOf(v.labelBefore) : ''}</td>
              <td>
                <button type="button" className="anchor" data-testid="anchor" title={`${labelNameOf(v.label)} is right: number the others from it`}
                  onClick={(e) => {
                    e.stopPropagation();
                    anchor(v.id, v.label);
                  }}>⚓</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Contenders />
      {timings && (
        <p className="timings" data-testid="timings" data-timings={JSON.stringify(timings)} data-work={JSON.stringify(work)}>
          {(timings.total! / 1000).toFixed(1)} s (localise {(timings.localise! / 1000).toFixed(1)}, segment {(timings.segment! / 1000).toFixed(1)}, identify{' '}
          {(timings.identify! / 1000).toFixed(1)})
        </p>
      )}
      <FusionControls />
      <Exports />
    </>
  );
}

/** Per vertebra, its fused probability over neighbouring levels: which contenders there were. */
function Contenders(): ReactElement {
  const { labelled } = useAnalysisStore();
  return (
    <div className="contenders" data-testid="contenders" title="Fused probability per level (columns C1…L5) for each vertebra (rows)">
      {labelled.map((v) => (
        <div key={v.id} className="contender-row">
          {v.fused.map((p, c) => (
            <span key={c} style={{ opacity: Math.max(0.04, p), background: `rgb(${labelColour(c + 1).join(',')})` }} />
          ))}
        </div>
      ))}
    </div>
  );
}

function Exports(): ReactElement {
  return (
    <div className="exports" data-testid="exports">
      <button type="button" data-testid="export-mask" onClick={() => void exportResult('mask')}>Label map (.nii.gz)</button>
      <button type="button" data-testid="export-ctd" onClick={() => void exportResult('ctd')}>Centroids (.json)</button>
      <button type="button" data-testid="export-csv" onClick={() => void exportResult('csv')}>Table (.csv)</button>
      <button type="button" data-testid="export-png" onClick={() => void exportResult('png')}>Screenshot (.png)</button>
    </div>
  );
}

function FusionControls(): ReactElement {
  const { fusion, fusionMs } = useAnalysisStore();
  const { setFusion, resetFusion } = useAnalysisActions();
  return (
    <fieldset className="fusion" data-testid="fusion">
      <legend>Message fusion</legend>
      <label>
        Hops {fusion.hops}
        <input type="range" min={0} max={5} step={1} value={fusion.hops} data-testid="fusion-hops" onChange={(e) => setFusion({ hops: Number(e.target.value) })} />
      </label>
      <label>
        θ {fusion.theta.toFixed(2)}
        <input type="range" min={0} max={1} step={0.05} value={fusion.theta} data-testid="fusion-theta" onChange={(e) => setFusion({ theta: Number(e.target.value) })} />
      </label>
      <label>
        Neighbours
        <select value={fusion.neighbours} data-testid="fusion-neighbours" onChange={(e) => setFusion({ neighbours: Number(e.target.value) })}>
          {[1, 3, 5, 7].map((n) => (
            <option key={n} value={n}>{n}</option>
          ))}
        </select>
      </label>
      <label>
        Weighting
        <select value={fusion.weighting} data-testid="fusion-weighting" onChange={(e) => setFusion({ weighting: e.target.value as 'certainty' | 'literal' })}>
          <option value="certainty">certainty (ours)</option>
          <option value="literal">uncertainty (paper, literal)</option>
        </select>
      </label>
      <label title="Ours: labels decoded jointly so that they climb one level per vertebra along the spine; masks at the ends that do not fit are set aside. Off: each vertebra's own most probable label, as the paper.">
        <input type="checkbox" checked={fusion.order} data-testid="fusion-order" onChange={(e) => setFusion({ order: e.target.checked })} />
        In order along the spine
      </label>
      <button type="button" data-testid="fusion-reset" onClick={resetFusion}>Paper defaults</button>
      <small data-testid="fusion-ms">{fusionMs.toFixed(2)} ms</small>
    </fieldset>
  );
}
