// The oracle for easel's PoseNet decoder: @tensorflow-models/posenet's own JavaScript
// decodeSinglePose and decodeMultiplePoses, on raw model outputs that easel wrote as .npy.
//
//   node decode_posenet.js --heatmap h.npy --offsets o.npy --fwd f.npy --bwd b.npy \
//        [--stride 16] [--max 5] [--threshold 0.5] [--nms 20]
//
// Prints {"single": pose, "multi": [pose...]}, pose = {score, keypoints: [{part, x, y, score}]}.
'use strict';
const path = require('path');
const modules = path.join(__dirname, 'node_modules');
const tf = require(path.join(modules, '@tensorflow/tfjs-core'));
require(path.join(modules, '@tensorflow/tfjs-backend-cpu'));
const posenet = require(path.join(modules, '@tensorflow-models/posenet'));
const {readNpy} = require('../npy');

// A float32 .npy [1,H,W,C] (or [H,W,C]) as a tensor3d.
function readTensor3d(file) {
  const a = readNpy(file);
  if (a.dtype !== 'float32') throw new Error(`${file}: float32 .npy expected`);
  return tf.tensor3d(a.data, a.shape.length === 4 ? a.shape.slice(1) : a.shape, 'float32');
}

async function main() {
  const args = process.argv.slice(2);
  const opt = {stride: 16, max: 5, threshold: 0.5, nms: 20};
  for (let i = 0; i < args.length; i += 2) opt[args[i].replace(/^--/, '')] = args[i + 1];
  await tf.setBackend('cpu');
  const heatmap = tf.sigmoid(readTensor3d(opt.heatmap));
  const offsets = readTensor3d(opt.offsets);
  const fwd = readTensor3d(opt.fwd);
  const bwd = readTensor3d(opt.bwd);
  const stride = Number(opt.stride);
  const single = await posenet.decodeSinglePose(heatmap, offsets, stride);
  const [s, o, f, b] = await Promise.all([heatmap.buffer(), offsets.buffer(), fwd.buffer(), bwd.buffer()]);
  const multi = posenet.decodeMultiplePoses(s, o, f, b, stride, Number(opt.max), Number(opt.threshold), Number(opt.nms));
  const plain = (pose) => ({
    score: pose.score,
    keypoints: pose.keypoints.map((k) => ({part: k.part, x: k.position.x, y: k.position.y, score: k.score})),
  });
  process.stdout.write(JSON.stringify({single: plain(single), multi: multi.map(plain)}) + '\n');
}

main().catch((e) => {
  process.stderr.write(`decode_posenet.js: ${e.stack || e}\n`);
  process.exit(1);
});
