/** A sparse vector: parallel arrays of feature indices and their values. */
export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
}

/** Rows of sparse vectors packed in compressed-sparse-row form (one allocation, cache-friendly). */
export interface SparseMatrix {
  rows: number;
  columns: number;
  /** Row r occupies [rowStart[r], rowStart[r + 1]) of `indices`/`values`. */
  rowStart: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

export function packRows(rows: readonly SparseVector[], columns: number): SparseMatrix {
  const rowStart = new Int32Array(rows.length + 1);
  for (let r = 0; r < rows.length; r++) rowStart[r + 1] = rowStart[r] + rows[r].indices.length;
  const nnz = rowStart[rows.length];
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  for (let r = 0; r < rows.length; r++) {
    indices.set(rows[r].indices, rowStart[r]);
    values.set(rows[r].values, rowStart[r]);
  }
  return { rows: rows.length, columns, rowStart, indices, values };
}

/*
 * Typed arrays ⇄ base64, the JSON-safe form of stored model arrays. Always little-endian,
 * whatever the machine, so a stored model loads anywhere.
 */
export function float32ToBase64(values: Float32Array): string {
  const bytes = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) bytes.writeFloatLE(values[i], i * 4);
  return bytes.toString('base64');
}

export function int16ToBase64(values: Int16Array): string {
  const bytes = Buffer.alloc(values.length * 2);
  for (let i = 0; i < values.length; i++) bytes.writeInt16LE(values[i], i * 2);
  return bytes.toString('base64');
}

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBase64(encoded: string, width: number): Buffer {
  if (encoded.length % 4 !== 0 || !base64Pattern.test(encoded)) throw new RangeError('not valid base64');
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.byteLength % width !== 0) throw new RangeError(`byte length is not a multiple of ${width}`);
  return bytes;
}

export function base64ToFloat32(encoded: string): Float32Array {
  const bytes = decodeBase64(encoded, 4);
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

export function base64ToInt16(encoded: string): Int16Array {
  const bytes = decodeBase64(encoded, 2);
  const out = new Int16Array(bytes.byteLength / 2);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readInt16LE(i * 2);
  return out;
}
