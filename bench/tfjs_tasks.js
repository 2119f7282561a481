// The peer side of bench/bench_tasks: one vision task end to end in TF.js under node
// (wasm backend) on the same video frames easel used (a uint8 .npy [N,H,W,3], decoded by
// easel: node has no video decoder, so TF.js's time leaves decoding out).
// Prints one JSON line: {"task", "backend", "median_ms", "fps", "frames"}.
//
//   node bench/tfjs_tasks.js --task classify|detect|pose --model model.json --frames f.npy
'use strict';
const fs = require('fs');
const {need, loadHandler, readNpy} = require('./tfjs_util');


async function main() {
  const args = process.argv.slice(2);
  const opt = {backend: 'wasm'};
  for (let i = 0; i < args.length; i += 2) opt[args[i].replace(/^--/, '')] = args[i + 1];
  const tf = need('@tensorflow/tfjs-core');
  need('@tensorflow/tfjs-backend-cpu');
  need('@tensorflow/tfjs-backend-wasm');
  const converter = need('@tensorflow/tfjs-converter');
  const layers = need('@tensorflow/tfjs-layers');
  await tf.setBackend(opt.backend);
  await tf.ready();
  const spec = JSON.parse(fs.readFileSync(opt.model, 'utf8'));
  const isGraph = spec.format === 'graph-model' || (spec.modelTopology && spec.modelTopology.node);
  const model = isGraph ? await converter.loadGraphModel(loadHandler(opt.model)) : await layers.loadLayersModel(loadHandler(opt.model));
  const frames = readNpy(opt.frames);  // uint8 [N,H,W,3]
  const [n, h, w] = frames.shape;
  const frameAt = (i) => tf.tensor3d(frames.data.subarray(i * h * w * 3, (i + 1) * h * w * 3), [h, w, 3], 'int32');

  // The same work easel does per frame: preprocess, infer, postprocess to plain results.
  const tasks = {
    // ml5's darknet-tiny: resize to 224, /255, softmax, top 5.
    classify: async (img) => {
      const out = tf.tidy(() => tf.softmax(model.predict(tf.expandDims(tf.div(tf.image.resizeBilinear(img, [224, 224]), 255), 0))));
      const top = tf.topk(out, 5);
      const r = [await top.values.data(), await top.indices.data()];
      tf.dispose([out, top.values, top.indices]);
      return r;
    },
    // human's centernet: resize to 512, detections, non-maximum suppression.
    detect: async (img) => {
      const res = tf.tidy(() => model.execute(tf.expandDims(tf.image.resizeBilinear(img, [512, 512]), 0), ['tower_0/detections']));
      const t = tf.tidy(() => {
        const d = tf.squeeze(res);
        const [x1, y1, x2, y2, score] = tf.split(d, 6, 1);
        return {boxes: tf.concat([y1, x1, y2, x2], 1), scores: tf.squeeze(score)};
      });
      const nms = await tf.image.nonMaxSuppressionAsync(t.boxes, t.scores, 100, 0.45, 0.3);
      const r = [await nms.data(), await res.data()];
      tf.dispose([res, t.boxes, t.scores, nms]);
      return r;
    },
    // MoveNet lightning as pose-detection feeds it: padded to a square, 192x192, int32.
    pose: async (img) => {
      const out = tf.tidy(() => {
        const size = Math.max(h, w);
        const padded = tf.pad(img, [[(size - h) >> 1, size - h - ((size - h) >> 1)], [(size - w) >> 1, size - w - ((size - w) >> 1)], [0, 0]]);
        return model.execute(tf.expandDims(tf.cast(tf.image.resizeBilinear(padded, [192, 192]), 'int32'), 0));
      });
      const r = await out.data();
      tf.dispose(out);
      return r;
    },
  };
  const task = tasks[opt.task];
  if (!task) throw new Error(`unknown task ${opt.task}`);
  const once = async (i) => {
    const img = frameAt(i);
    await task(img);
    img.dispose();
  };
  for (let i = 0; i < 3; ++i) await once(i % n);
  const times = [];
  for (let i = 0; i < n; ++i) {
    const t0 = process.hrtime.bigint();
    await once(i);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const median = times.length % 2 ? times[(times.length - 1) / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
  console.log(JSON.stringify({task: opt.task, backend: tf.getBackend(), median_ms: median, fps: 1000 / median, frames: n}));
}

main().catch((e) => {
  console.error(`tfjs_tasks: ${e.message}`);
  process.exit(1);
});
