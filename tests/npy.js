// Reading and writing NumPy .npy files, for every node script of the project: the TF.js,
// onnxruntime and PoseNet oracles of the tests and the peers of the benchmarks.
'use strict';

const fs = require('fs');

// A file that cannot be read as .npy (missing, truncated, unsupported dtype): the caller's
// input is at fault, not the script.
class NpyError extends Error {}

const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);  // \x93NUMPY
const NPY_TYPES = {
  '<f4': { dtype: 'float32', Array: Float32Array },
  '<i4': { dtype: 'int32', Array: Int32Array },
  '|u1': { dtype: 'uint8', Array: Uint8Array },
  '|b1': { dtype: 'bool', Array: Uint8Array },
};

// Returns {dtype: 'float32'|'int32'|'uint8'|'bool', shape: number[], data: TypedArray}.
function readNpy(file) {
  let bytes;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new NpyError(`cannot read input '${file}': ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  const bad = (why) => new NpyError(`'${file}' is not a usable .npy file: ${why}`);
  if (bytes.length < 10 || !bytes.subarray(0, 6).equals(NPY_MAGIC)) throw bad('no NumPy magic');
  const major = bytes[6];
  let headerLen, headerStart;
  if (major === 1) {
    headerLen = bytes.readUInt16LE(8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad('truncated header');
    headerLen = bytes.readUInt32LE(8);
    headerStart = 12;
  } else throw bad(`format version ${major} is not supported`);
  if (headerStart + headerLen > bytes.length) throw bad('truncated header');
  const header = bytes.toString('latin1', headerStart, headerStart + headerLen);
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header);
  if (!descr) throw bad("no 'descr' in the header");
  const type = NPY_TYPES[descr[1]];
  if (!type) throw bad(`dtype '${descr[1]}' is not supported (float32, int32, uint8 or bool)`);
  if (/'fortran_order'\s*:\s*True/.test(header)) throw bad('Fortran order');
  const shapeMatch = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!shapeMatch) throw bad("no 'shape' in the header");
  const shape = (shapeMatch[1].match(/\d+/g) || []).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLen;
  const expected = count * type.Array.BYTES_PER_ELEMENT;
  if (bytes.length - dataStart !== expected)
    throw bad(`expected ${expected} bytes of data for shape [${shape}], found ${bytes.length - dataStart}`);
  // Copy into a fresh, aligned buffer (the file's data offset need not be aligned).
  const data = new type.Array(count);
  new Uint8Array(data.buffer).set(bytes.subarray(dataStart, dataStart + expected));
  return { dtype: type.dtype, shape, data };
}

// Writes atomically: a temp file beside `file`, renamed over it.
function writeNpy(file, dtype, shape, values) {
  let descr, data;
  if (dtype === 'float32') (descr = '<f4'), (data = Float32Array.from(values));
  else if (dtype === 'int32') (descr = '<i4'), (data = Int32Array.from(values));
  else if (dtype === 'bool') (descr = '|b1'), (data = Uint8Array.from(values, (v) => (v ? 1 : 0)));
  else throw new Error(`cannot write a ${dtype} tensor to .npy`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  NPY_MAGIC.copy(prefix, 0);
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]));
  fs.renameSync(tmp, file);
}

module.exports = { readNpy, writeNpy, NpyError };
