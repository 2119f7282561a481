// The peer side of bench/bench_training: trains Teachable Machine's head (Dense(100, relu),
// Dense(classes, softmax, no bias), Adam 0.001, categorical cross-entropy) with TF.js layers'
// model.fit on the same embeddings easel trained on, and times it. One untimed epoch on the
// first batches warms the backend up. Prints one JSON line: {"backend", "epochs",
// "examples", "ms", "ms_per_epoch"}.
//
//   node bench/tfjs_train.js --x x.npy --y y.npy --epochs 5 --batch 16 --backend wasm
'use strict';
const {need, readNpy} = require('./tfjs_util');

async function main() {
  const args = process.argv.slice(2);
  const opt = {epochs: 5, batch: 16, backend: 'wasm'};
  for (let i = 0; i < args.length; i += 2) {
    if (args[i] === '--x') opt.x = args[i + 1];
    else if (args[i] === '--y') opt.y = args[i + 1];
    else if (args[i] === '--epochs') opt.epochs = Number(args[i + 1]);
    else if (args[i] === '--batch') opt.batch = Number(args[i + 1]);
    else if (args[i] === '--backend') opt.backend = args[i + 1];
    else throw new Error(`unknown argument ${args[i]}`);
  }
  const tf = need('@tensorflow/tfjs-core');
  need('@tensorflow/tfjs-backend-cpu');
  if (opt.backend === 'wasm') need('@tensorflow/tfjs-backend-wasm');
  const tfl = need('@tensorflow/tfjs-layers');
  await tf.setBackend(opt.backend);
  await tf.ready();
  const xa = readNpy(opt.x), ya = readNpy(opt.y);
  const x = tf.tensor(xa.data, xa.shape, 'float32'), y = tf.tensor(ya.data, ya.shape, 'float32');
  const head = () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({inputShape: [xa.shape[1]], units: 100, activation: 'relu', useBias: true}),
        tfl.layers.dense({units: ya.shape[1], activation: 'softmax', useBias: false}),
      ],
    });
    model.compile({optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
    return model;
  };
  const n = Math.min(xa.shape[0], 4 * opt.batch);
  await head().fit(tf.slice(x, [0, 0], [n, -1]), tf.slice(y, [0, 0], [n, -1]), {epochs: 1, batchSize: opt.batch, shuffle: false, verbose: 0});
  const model = head();
  const t0 = process.hrtime.bigint();
  await model.fit(x, y, {epochs: opt.epochs, batchSize: opt.batch, shuffle: false, verbose: 0});
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(JSON.stringify({backend: opt.backend, epochs: opt.epochs, examples: xa.shape[0], ms, ms_per_epoch: ms / opt.epochs}));
}

main().catch((e) => {
  console.error(e.message || e);
  process.exit(1);
});
