// The peer side of bench/bench_models: times one model in TF.js under node on the same
// .npy inputs easel used. Prints one JSON line: {"backend", "median_ms", "runs", ...}.
//
//   node bench/tfjs_bench.js --model model.json --input x.npy [--input y.npy] --runs 20 --backend wasm
//
// Modules come from tests/golden/node_modules (installed by scripts/setup.sh).
'use strict';
const fs = require('fs');
const {need, loadHandler, readNpy} = require('./tfjs_util');

async function main() {
  const args = process.argv.slice(2);
  const opt = {inputs: [], runs: 20, backend: 'wasm', warmup: 3};
  for (let i = 0; i < args.length; i += 2) {
    if (args[i] === '--model') opt.model = args[i + 1];
    else if (args[i] === '--input') opt.inputs.push(args[i + 1]);
    else if (args[i] === '--runs') opt.runs = Number(args[i + 1]);
    else if (args[i] === '--backend') opt.backend = args[i + 1];
    else throw new Error(`unknown argument ${args[i]}`);
  }
  const tf = need('@tensorflow/tfjs-core');
  need('@tensorflow/tfjs-backend-cpu');
  if (opt.backend === 'wasm') need('@tensorflow/tfjs-backend-wasm');
  const converter = need('@tensorflow/tfjs-converter');
  const layers = need('@tensorflow/tfjs-layers');
  await tf.setBackend(opt.backend);
  await tf.ready();
  const spec = JSON.parse(fs.readFileSync(opt.model, 'utf8'));
  const isGraph = spec.format === 'graph-model' || (spec.modelTopology && spec.modelTopology.node);
  const model = isGraph ? await converter.loadGraphModel(loadHandler(opt.model)) : await layers.loadLayersModel(loadHandler(opt.model));
  const inputs = opt.inputs.map((f) => {
    const a = readNpy(f);
    // TF.js has no uint8 tensors: bytes go in as int32, as TF.js's own image inputs do.
    return a.dtype === 'uint8' ? tf.tensor(Int32Array.from(a.data), a.shape, 'int32') : tf.tensor(a.data, a.shape, a.dtype);
  });
  const once = async () => {
    const x = inputs.length === 1 ? inputs[0] : inputs;
    const out = isGraph ? await model.executeAsync(x) : model.predict(x);
    const outs = Array.isArray(out) ? out : [out];
    for (const t of outs) await t.data();  // wait for the values, as a user would
    tf.dispose(outs);
  };
  for (let i = 0; i < opt.warmup; ++i) await once();
  const times = [];
  for (let i = 0; i < opt.runs; ++i) {
    const t0 = process.hrtime.bigint();
    await once();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const median = times.length % 2 ? times[(times.length - 1) / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
  console.log(JSON.stringify({backend: tf.getBackend(), median_ms: median, min_ms: times[0], runs: opt.runs}));
}

main().catch((e) => {
  console.error(`tfjs_bench: ${e.message}`);
  process.exit(1);
});
