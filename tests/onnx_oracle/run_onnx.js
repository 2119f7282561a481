// The oracle for easel's ONNX importer: runs an .onnx model in onnxruntime-node (CPU) on
// .npy inputs and writes one .npy per output, named after it (as `easel infer` does).
//
//   node run_onnx.js --model m.onnx --input name=x.npy [--input ...] --output-dir DIR
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));
const {readNpy, writeNpy} = require('../npy');

// An .npy file as an onnxruntime tensor (easel's integers are int32; ONNX indices int64).
function readInput(file) {
  const a = readNpy(file);
  if (a.dtype === 'float32') return new ort.Tensor('float32', a.data, a.shape);
  if (a.dtype === 'int32') return new ort.Tensor('int64', BigInt64Array.from(a.data, (v) => BigInt(v)), a.shape);
  throw new Error(`${file}: dtype ${a.dtype} not supported`);
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
    feeds[name] = readInput(eq < 0 ? spec : spec.slice(eq + 1));
  });
  const results = await session.run(feeds);
  fs.mkdirSync(opt.out, {recursive: true});
  for (const name of session.outputNames) {
    const t = results[name];
    const ints = t.data instanceof BigInt64Array || t.data instanceof Int32Array;
    writeNpy(path.join(opt.out, name.replace(/[^A-Za-z0-9_.-]/g, '_') + '.npy'), ints ? 'int32' : 'float32', t.dims,
             t.data instanceof BigInt64Array ? Array.from(t.data, Number) : t.data);
  }
  console.log(JSON.stringify({outputs: session.outputNames}));
}

main().catch((e) => {
  console.error(`run_onnx: ${e.message}`);
  process.exit(1);
});
