/** What a dropped file is, from its first bytes (names lie; DICOM often has no extension). */
export type ScanFormat = 'nifti' | 'dicom' | 'unknown';

/** Bytes of a file's start that `sniffFormat` needs. */
export const SNIFF_BYTES = 132;

export function sniffFormat(head: Uint8Array): ScanFormat {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'nifti';
  if (head.length >= 4) {
    const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const size = [v.getInt32(0, true), v.getInt32(0, false)];
    if (size.includes(348) || size.includes(540)) return 'nifti';
  }
  if (head.length >= 132 && String.fromCharCode(head[128]!, head[129]!, head[130]!, head[131]!) === 'DICM') return 'dicom';
  return 'unknown';
}
