// The oracle for easel's PoseNet decoder: @tensorflow-models/posenet's own JavaScript
// decodeSinglePose and decodeMultiplePoses, on raw model outputs that easel wrote as .npy.
//
//   node decode_posenet.js --heatmap h.npy --offsets o.npy --fwd f.npy --bwd b.npy \
//        [--stride 16] [--max 5] [--threshold 0.5] [--nms 20]
//
// Prints {"single": pose, "multi": [pose...]}, pose = {score, keypoints: [{part, x, y, score}]}.
'use strict';
const fs = require('fs');
const path = require('path');
const modules = path.join(__dirname, 'node_modules');
const tf = require(path.join(modules, '@tensorflow/tfjs-core'));
require(path.join(modules, '@tensorflow/tfjs-backend-cpu'));
const posenet = require(path.join(modules, '@tensorflow-models/posenet'));

function readNpy(file) {
  const buf = fs.readFileSync(file);
  const headerLen = buf.readUInt16LE(8);
  const header = buf.toString('latin1', 10, 10 + headerLen);
  if (!/'descr':\s*'<f4'/.test(header)) throw new Error(`${file}: float32 .npy expected`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter((s) => s).map(Number);
  const data = buf.subarray(10 + headerLen);
  const values = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  // [1,H,W,C] -> [H,W,C]
  return tf.tensor3d(values, shape.length === 4 ? shape.slice(1) : shape, 'float32');
}

async function main() {
  const args = process.argv.slice(2);
  const opt = {stride: 16, max: 5, threshold: 0.5, nms: 20};
  for (let i = 0; i < args.length; i += 2) opt[args[i].replace(/^--/, '')] = args[i + 1];
  await tf.setBackend('cpu');
  const heatmap = tf.sigmoid(readNpy(opt.heatmap));
  const offsets = readNpy(opt.offsets);
  const fwd = readNpy(opt.fwd);
  const bwd = readNpy(opt.bwd);
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
