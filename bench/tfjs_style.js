// ml5's fast style transfer network (ml5 0.12.2's StyleTransfer.transferInternal, layer for
// layer) written with TF.js 4.22 and timed on its wasm backend under node: the peer for
// style transfer on TF.js-wasm, which ml5 0.12.2 itself cannot be (its TF.js 1.7.4 wasm
// backend has no sqrt and no conv2dTranspose; tests/ml5_oracle/ml5_oracle.js says more).
//   node bench/tfjs_style.js --model DIR --size 256 --runs 5 [--backend wasm|cpu]
// prints {"median_ms", "runs", "size", "backend", "tfjs_version"}.
'use strict';
const fs = require('fs');
const path = require('path');
const {need} = require('./tfjs_util');

function parse(argv) {
  const opt = {size: 256, runs: 5, backend: 'wasm'};
  for (let i = 2; i < argv.length; i += 2) opt[argv[i].replace(/^--/, '')] = argv[i + 1];
  opt.size = Number(opt.size);
  opt.runs = Number(opt.runs);
  return opt;
}

async function main() {
  const opt = parse(process.argv);
  const tf = need('@tensorflow/tfjs-core');
  need('@tensorflow/tfjs-backend-cpu');
  if (opt.backend === 'wasm') need('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend(opt.backend);
  await tf.ready();
  const manifest = JSON.parse(fs.readFileSync(path.join(opt.model, 'manifest.json')));
  const vars = {};
  for (const [name, v] of Object.entries(manifest)) {
    const b = fs.readFileSync(path.join(opt.model, v.filename));
    vars[name] = tf.tensor(new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4), v.shape);
  }
  const V = (id) => vars[id === 0 ? 'Variable' : `Variable_${id}`];
  const eps = tf.scalar(1e-3);
  const instanceNorm = (x, id) => {
    const m = tf.moments(x, [0, 1]);
    return tf.add(tf.mul(V(id + 1), tf.div(tf.sub(x, m.mean), tf.sqrt(tf.add(m.variance, eps)))), V(id));
  };
  const conv = (x, s, relu, id) => {
    const y = instanceNorm(tf.conv2d(x, V(id), [s, s], 'same'), id + 1);
    return relu ? tf.relu(y) : y;
  };
  const residual = (x, id) => tf.add(conv(conv(x, 1, true, id), 1, false, id + 3), x);
  const convT = (x, filters, s, id) => {
    const [h, w] = x.shape;
    return tf.relu(instanceNorm(tf.conv2dTranspose(x, V(id), [h * s, w * s, filters], [s, s], 'same'), id + 1));
  };
  const transfer = (image) => tf.tidy(() => {
    let x = conv(image, 1, true, 0);
    x = conv(x, 2, true, 3);
    x = conv(x, 2, true, 6);
    for (const id of [9, 15, 21, 27, 33]) x = residual(x, id);
    x = convT(x, 64, 2, 39);
    x = convT(x, 32, 2, 42);
    x = conv(x, 1, false, 45);
    return tf.div(tf.clipByValue(tf.add(tf.scalar(127.5), tf.mul(tf.scalar(150), tf.tanh(x))), 0, 255), tf.scalar(255));
  });
  // A picture as fromPixels gives it (0..255), in float32 as WebGL computes it.
  const pixels = new Float32Array(opt.size * opt.size * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 256;
  const image = tf.tensor3d(pixels, [opt.size, opt.size, 3]);
  const once = async () => {
    const out = transfer(image);
    await out.data();
    out.dispose();
  };
  await once();  // warm-up
  const times = [];
  for (let r = 0; r < opt.runs; r++) {
    const t0 = process.hrtime.bigint();
    await once();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const n = times.length;
  const median = n % 2 ? times[(n - 1) / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
  console.log(JSON.stringify({median_ms: median, runs: n, size: opt.size, backend: tf.getBackend(), tfjs_version: tf.version_core}));
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
