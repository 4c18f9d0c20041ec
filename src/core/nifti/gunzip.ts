import { Gunzip } from 'fflate';
import { ScanError } from '../errors';

const CHUNK = 1 << 20;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function gzipError(e: unknown): ScanError {
  // fflate error code 0 is "unexpected EOF": the compressed stream stops early.
  const code = (e as { code?: number }).code;
  if (code === 0) {
    return new ScanError('truncated', 'The compressed scan file ends early; it is incomplete.', 'The file was probably cut off during download or copy. Export or copy it again.');
  }
  return new ScanError('corrupt-gzip', 'The compressed scan file is damaged and cannot be decompressed.', 'Export or copy the file again; if it came from PACS, re-export it as NIfTI or use the DICOM series.');
}

/**
 * Decompresses only as much of a gzip stream as needed to get `minBytes` of output (the header),
 * so that size checks happen before the full volume is allocated.
 */
export function gunzipPrefix(bytes: Uint8Array, minBytes: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let got = 0;
  const g = new Gunzip((chunk) => {
    parts.push(chunk);
    got += chunk.length;
  });
  try {
    for (let off = 0; off < bytes.length && got < minBytes; off += 64 * 1024) {
      const end = Math.min(bytes.length, off + 64 * 1024);
      g.push(bytes.subarray(off, end), end === bytes.length);
    }
  } catch (e) {
    if (got < minBytes) throw gzipError(e);
  }
  return concat(parts, got);
}

/**
 * Decompresses a whole gzip stream into a buffer of exactly `expected` bytes (taken from the
 * header). Returns the number of bytes the stream really held (capped at `expected + 1`), so the
 * caller can tell a header that promises more than the file has.
 */
export function gunzipInto(bytes: Uint8Array, expected: number): { out: Uint8Array; length: number } {
  const out = new Uint8Array(expected);
  let length = 0;
  const g = new Gunzip((chunk) => {
    if (length > expected) return;
    const room = expected - length;
    if (chunk.length <= room) {
      out.set(chunk, length);
      length += chunk.length;
    } else {
      out.set(chunk.subarray(0, room), length);
      length = expected + 1;
    }
  });
  try {
    for (let off = 0; off < bytes.length; off += CHUNK) {
      const end = Math.min(bytes.length, off + CHUNK);
      g.push(bytes.subarray(off, end), end === bytes.length);
    }
  } catch (e) {
    throw gzipError(e);
  }
  return { out, length };
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
