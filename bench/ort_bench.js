// The onnxruntime-node side of bench/bench_onnx: median ms of session.run on one .npy
// input, after warm-up, with the thread count asked for. Prints one JSON line.
//
//   node bench/ort_bench.js --model m.onnx --input x.npy --runs 20 --threads 2
'use strict';
const path = require('path');
const ort = require(path.join(__dirname, '..', 'tests', 'onnx_oracle', 'node_modules', 'onnxruntime-node'));
const {readNpy} = require('../tests/npy');

async function main() {
  const args = process.argv.slice(2);
  const opt = {runs: 20, threads: 1};
  for (let i = 0; i < args.length; i += 2) opt[args[i].replace(/^--/, '')] = args[i + 1];
  const input = readNpy(opt.input);
  const x = new ort.Tensor('float32', input.data, input.shape);
  const session = await ort.InferenceSession.create(opt.model, {
    executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: Number(opt.threads), interOpNumThreads: 1});
  const feeds = {[session.inputNames[0]]: x};
  for (let i = 0; i < 3; ++i) await session.run(feeds);
  const times = [];
  for (let i = 0; i < Number(opt.runs); ++i) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const n = times.length;
  console.log(JSON.stringify({median_ms: n % 2 ? times[(n - 1) / 2] : (times[n / 2 - 1] + times[n / 2]) / 2, runs: n, threads: Number(opt.threads)}));
}

main().catch((e) => {
  console.error(`ort_bench: ${e.message}`);
  process.exit(1);
});
