/**
 * Expected failures are data: a code for programs, a message a radiologist understands, and a tip
 * that says what to do next. Everything that reads user files throws only `ScanError`.
 */
export type ScanErrorCode =
  | 'not-a-scan'
  | 'corrupt-gzip'
  | 'truncated'
  | 'unsupported-datatype'
  | 'not-3d'
  | 'time-series'
  | 'bad-spacing'
  | 'bad-geometry'
  | 'bad-dimensions'
  | 'too-large'
  | 'not-a-number'
  | 'dicom-conversion'
  | 'bad-centroids'
  | 'cancelled';

export class ScanError extends Error {
  readonly code: ScanErrorCode;
  readonly tip: string | undefined;

  constructor(code: ScanErrorCode, message: string, tip?: string) {
    super(message);
    this.name = 'ScanError';
    this.code = code;
    this.tip = tip;
  }
}

/** A problem that does not stop the analysis but must be shown next to its result. */
export interface ScanWarning {
  code: 'not-hounsfield' | 'nan-replaced' | 'no-orientation' | 'dicom-multiple-series' | 'display-reduced' | 'short-coverage';
  message: string;
}

/** Type guard usable across realms (errors that crossed a worker boundary lose their prototype). */
export function isScanError(e: unknown): e is ScanError {
  return e instanceof ScanError || (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'ScanError');
}

/** Human-readable byte count ("1.3 GB") for messages. */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} bytes`;
}
