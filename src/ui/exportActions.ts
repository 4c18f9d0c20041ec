import { centroidJson, exportNames, scanStem, vertebraeCsv } from '../core/exports';
import { getPipeline } from '../runtime/pipelineClient';
import { activeViewer } from '../viewer/activeViewer';
import { download } from './download';
import { useAnalysisStore } from './state/analysisStore';
import { useScanStore } from './state/scanStore';

export type ExportKind = 'mask' | 'ctd' | 'csv' | 'png';

/** Writes one export of what is shown (labels after fusion and corrections), named after the scan. */
export async function exportResult(kind: ExportKind): Promise<void> {
  const { labelled } = useAnalysisStore.getState();
  const { name, info } = useScanStore.getState();
  if (!info) return;
  const names = exportNames(scanStem(name ?? 'scan'));
  if (kind === 'mask') {
    const buf = await getPipeline().remote.exportLabelMap(labelled.map((v) => ({ id: v.id, label: v.label })));
    if (buf) download(new Blob([buf], { type: 'application/gzip' }), names.mask);
  } else if (kind === 'ctd') {
    download(new Blob([JSON.stringify(centroidJson(labelled, info))], { type: 'application/json' }), names.ctd);
  } else if (kind === 'csv') {
    download(new Blob([vertebraeCsv(labelled)], { type: 'text/csv' }), names.csv);
  } else {
    download(await (await activeViewer()).screenshot(), names.png);
  }
}
