// The oracle for easel's ONNX importer: runs an .onnx model in onnxruntime-node (CPU) on
// .npy inputs and writes one .npy per output, named after it (as `easel infer` does).
//
//   node run_onnx.js --model m.onnx --input name=x.npy [--input ...] --output-dir DIR
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

function readNpy(file) {
  const buf = fs.readFileSync(file);
  const headerLen = buf.readUInt16LE(8);
  const header = buf.toString('latin1', 10, 10 + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter((s) => s).map(Number);
  const data = buf.subarray(10 + headerLen);
  const bytes = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  if (descr === '<f4') return new ort.Tensor('float32', new Float32Array(bytes), shape);
  if (descr === '<i4') return new ort.Tensor('int64', BigInt64Array.from(new Int32Array(bytes), (v) => BigInt(v)), shape);
  throw new Error(`${file}: dtype ${descr} not supported`);
}

function writeNpy(file, tensor) {
  let values = tensor.data;
  if (values instanceof BigInt64Array) values = Int32Array.from(values, (v) => Number(v));
  const descr = values instanceof Float32Array ? '<f4' : '<i4';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${tensor.dims.join(', ')}${tensor.dims.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(values.buffer, values.byteOffset, values.byteLength)]));
}

async function main() {
  const args = process.argv.slice(2);
  const opt = {inputs: []};
  for (let i = 0; i < args.length; i += 2) {
    if (args[i] === '--model') opt.model = args[i + 1];
    else if (args[i] === '--input') opt.inputs.push(args[i + 1]);
    else if (args[i] === '--output-dir') opt.out = args[i + 1];
    else throw new Error(`unknown argument ${args[i]}`);
  }
  const session = await ort.InferenceSession.create(opt.model, {executionProviders: ['cpu'], graphOptimizationLevel: 'all'});
  const feeds = {};
  opt.inputs.forEach((spec, i) => {
    const eq = spec.indexOf('=');
    const name = eq < 0 ? session.inputNames[i] : spec.slice(0, eq);
    feeds[name] = readNpy(eq < 0 ? spec : spec.slice(eq + 1));
  });
  const results = await session.run(feeds);
  fs.mkdirSync(opt.out, {recursive: true});
  for (const name of session.outputNames) writeNpy(path.join(opt.out, name.replace(/[^A-Za-z0-9_.-]/g, '_') + '.npy'), results[name]);
  console.log(JSON.stringify({outputs: session.outputNames}));
}

main().catch((e) => {
  console.error(`run_onnx: ${e.message}`);
  process.exit(1);
});
