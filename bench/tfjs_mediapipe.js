// The TF.js peer of easel's face / face mesh / hands / segmentation / BlazePose task benchmarks:
// times one full call of the @tensorflow-models library's public estimate function per frame, on
// the same .npy image and the same model files easel loads, on the TF.js wasm (or cpu) backend.
//
//   node bench/tfjs_mediapipe.js --task face|facemesh|hands|selfie|meet|blazepose
//        --image IMG.npy --models DIR [--runs 20] [--warmup 3] [--backend wasm|cpu] [--threads N]
//
// IMG.npy: uint8 [H,W,3] RGB; it becomes an int32 tf.tensor3d (what tf.browser.fromPixels gives),
// made once, outside the timing. DIR holds the model folders by easel's store names
// (face-detection-short/facemesh-detection-short.json, facemesh/facemesh.json,
// handdetect/handdetect.json, handlandmark-full/handlandmark-full.json, selfie/selfie.json,
// meet/meet.json, blazepose-detector/blazepose-detector.json, blazepose-full/blazepose-full.json).
// Prints one JSON line: {"task","backend","threads","runs","median_ms","min_ms","found",...}; found
// is the number of faces / hands / poses, or the mask's coverage (fraction of pixels > 0.5).
//
// One run, as a program calls it per frame, always the whole pipeline (detector + landmarks):
//   face:      face-detection 1.0.3 MediaPipeFaceDetector (short) estimateFaces(image)
//   facemesh:  face-landmarks-detection 1.0.6 MediaPipeFaceMesh estimateFaces(image,
//              {staticImageMode: true}) (no reuse of the previous frame's face rects)
//   hands:     hand-pose-detection 2.0.1 MediaPipeHands (full, maxHands 2) estimateHands(image,
//              {staticImageMode: true})
//   selfie / meet: body-segmentation 1.0.2 MediaPipeSelfieSegmentation (general / landscape)
//              segmentPeople(image) + masks[0].mask.toTensor() + await .data() (forces the work)
//   blazepose: pose-detection 2.1.3 BlazePose (full) created with enableSmoothing false, and
//              detector.reset() before every estimatePoses(image) (no timestamp): reset() drops the
//              ROI kept from the previous frame's landmarks (and the filters), so every call runs
//              the pose detector and then the landmark model, as on a first frame.
// The model loading is the oracles' graphModelHandler() (tests/oracle_util.js); the adapters for
// the human-models files (the 256-px palm detector constants, the hand landmark output names, the
// selfie/meet output channels) are those of tests/mediapipe_oracle/{face,hands,body}_oracle.js
// (which export nothing; copied here).
//
// One tfjs-core: the models (tests/mediapipe_oracle/node_modules) and tfjs-backend-wasm
// (tests/golden/node_modules) would otherwise each load their own copy of
// @tensorflow/tfjs-core (same version, different files). A Module._resolveFilename hook sends
// every request for @tensorflow/tfjs-core, -converter and -backend-cpu (and their subpaths), from
// any file, to the copies in tests/mediapipe_oracle/node_modules; main() checks that only one
// tfjs-core file is loaded and that the 'wasm' backend is registered in that instance.
//
// Threads: in node, tfjs-backend-wasm 4.22 reports WASM_HAS_MULTITHREAD_SUPPORT false (its
// tfjs#3830), loads the single-threaded SIMD binary and ignores setThreadsCount. --threads N is
// passed to setThreadsCount anyway, and the output's "threads" is what the backend reports it
// uses (getThreadsCount()); "threads_requested" is N. (Forcing the flag and serving emscripten's blob: worker
// scripts from temp files does start node worker_threads, but XNNPACK still reports 1 thread and
// a conv takes as long as with 1, so this script does not try.)
'use strict';

const path = require('path');
const Module = require('module');
const { readNpy } = require('../tests/npy');
const { UsageError, readModelJson, graphModelHandler } = require('../tests/oracle_util');

const ORACLE_MODULES = path.join(__dirname, '..', 'tests', 'mediapipe_oracle', 'node_modules');
const GOLDEN_MODULES = path.join(__dirname, '..', 'tests', 'golden', 'node_modules');

// ---- one tfjs-core instance (see the header) ----
const SHARED = /^@tensorflow\/(tfjs-core|tfjs-converter|tfjs-backend-cpu)(\/|$)/;
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, isMain, options) {
  if (SHARED.test(request)) return resolveFilename.call(this, request, parent, isMain, { paths: [ORACLE_MODULES] });
  return resolveFilename.call(this, request, parent, isMain, options);
};

const TASKS = ['face', 'facemesh', 'hands', 'selfie', 'meet', 'blazepose'];

function parseArgs(argv) {
  const opt = { runs: 20, warmup: 3, backend: 'wasm', threads: null };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const v = argv[i + 1];
    if (v === undefined) throw new UsageError(`'${key}' needs a value`);
    if (key === '--task') opt.task = v;
    else if (key === '--image') opt.image = v;
    else if (key === '--models') opt.models = v;
    else if (key === '--runs') opt.runs = Number(v);
    else if (key === '--warmup') opt.warmup = Number(v);
    else if (key === '--backend') opt.backend = v;
    else if (key === '--threads') opt.threads = Number(v);
    else throw new UsageError(`unknown argument '${key}'`);
  }
  if (!TASKS.includes(opt.task)) throw new UsageError(`--task must be one of ${TASKS.join(', ')}`);
  if (!opt.image || !opt.models) throw new UsageError('--image and --models are required');
  if (!['wasm', 'cpu'].includes(opt.backend)) throw new UsageError('--backend must be wasm or cpu');
  if (!(Number.isInteger(opt.runs) && opt.runs > 0) || !(Number.isInteger(opt.warmup) && opt.warmup >= 0)) throw new UsageError('--runs > 0 and --warmup >= 0 must be integers');
  if (opt.threads !== null && !(Number.isInteger(opt.threads) && opt.threads > 0)) throw new UsageError('--threads must be a positive integer');
  return opt;
}

// body_oracle.js: selfie's 1-channel sigmoid output duplicated to 2 channels (the library reads
// channel 1); meet's 2-channel logits through a softmax (channel 1 = P(person)).
function adaptSegmentationGraph(json) {
  const outs = json.signature && json.signature.outputs;
  if (!outs || Object.keys(outs).length !== 1) return;
  const sig = outs[Object.keys(outs)[0]];
  const node = sig.name.replace(/:\d+$/, '');
  const dims = sig.tensorShape.dim.map((d) => Number(d.size));
  const nodes = json.modelTopology.node;
  const T = { type: 'DT_FLOAT' };
  if (dims.length === 4 && dims[3] === 1) {
    nodes.push({ name: 'easel_bench/squeeze', op: 'Squeeze', input: [node], attr: { T, squeeze_dims: { list: { i: ['3'] } } } });
    nodes.push({ name: 'easel_bench/pack', op: 'Pack', input: ['easel_bench/squeeze', 'easel_bench/squeeze'], attr: { T, N: { i: '2' }, axis: { i: '3' } } });
    sig.name = 'easel_bench/pack:0';
    sig.tensorShape.dim[3].size = '2';
  } else if (dims.length === 4 && dims[3] === 2) {
    nodes.push({ name: 'easel_bench/softmax', op: 'Softmax', input: [node], attr: { T } });
    sig.name = 'easel_bench/softmax:0';
  }
}

// hands_oracle.js: the library's palm detector constants patched for the 256x256, 2944-anchor
// human-models 'handdetect' (letterboxed input, range [-1,1]).
function patchPalmDetectorConstants() {
  const constants = require(path.join(ORACLE_MODULES, '@tensorflow-models/hand-pose-detection/dist/tfjs/constants'));
  Object.assign(constants.MPHANDS_DETECTOR_ANCHOR_CONFIGURATION, {
    numLayers: 5, minScale: 0.1171875, maxScale: 0.75, inputSizeHeight: 256, inputSizeWidth: 256,
    anchorOffsetX: 0.5, anchorOffsetY: 0.5, strides: [8, 16, 32, 32, 32], aspectRatios: [1.0],
    fixedAnchorSize: true, reduceBoxesInLowestLayer: false, interpolatedScaleAspectRatio: 1.0,
    featureMapHeight: [], featureMapWidth: [],
  });
  Object.assign(constants.MPHANDS_TENSORS_TO_DETECTION_CONFIGURATION, { numBoxes: 2944, xScale: 256.0, yScale: 256.0, wScale: 256.0, hScale: 256.0 });
  Object.assign(constants.MPHANDS_DETECTOR_IMAGE_TO_TENSOR_CONFIG, {
    outputTensorSize: { width: 256, height: 256 }, keepAspectRatio: true, outputTensorFloatRange: [-1, 1], borderMode: 'zero',
  });
}

function outputDims(model, name) {
  const outs = (model.signature && model.signature.outputs) || {};
  for (const o of Object.values(outs))
    if (o.name === name && o.tensorShape && o.tensorShape.dim) return o.tensorShape.dim.map((d) => Number(d.size));
  return null;
}

const lib = (name) => require(path.join(ORACLE_MODULES, '@tensorflow-models', name));

// Returns an async function doing one run; it resolves to `found`.
async function buildTask(tf, opt, image) {
  const M = (folder, file) => path.join(opt.models, folder, `${file || folder}.json`);
  const faceDetectorJson = M('face-detection-short', 'facemesh-detection-short');
  if (opt.task === 'face') {
    const fd = lib('face-detection');
    const det = await fd.createDetector(fd.SupportedModels.MediaPipeFaceDetector, {
      runtime: 'tfjs', modelType: 'short', maxFaces: 1, detectorModelUrl: graphModelHandler(faceDetectorJson),
    });
    return async () => (await det.estimateFaces(image, { flipHorizontal: false })).length;
  }
  if (opt.task === 'facemesh') {
    const fl = lib('face-landmarks-detection');
    const det = await fl.createDetector(fl.SupportedModels.MediaPipeFaceMesh, {
      runtime: 'tfjs', refineLandmarks: false, maxFaces: 1,
      detectorModelUrl: graphModelHandler(faceDetectorJson), landmarkModelUrl: graphModelHandler(M('facemesh')),
    });
    return async () => (await det.estimateFaces(image, { flipHorizontal: false, staticImageMode: true })).length;
  }
  if (opt.task === 'hands') {
    patchPalmDetectorConstants();
    const hp = lib('hand-pose-detection');
    const landmarkJson = M('handlandmark-full');
    const det = await hp.createDetector(hp.SupportedModels.MediaPipeHands, {
      runtime: 'tfjs', modelType: 'full', maxHands: 2,
      detectorModelUrl: graphModelHandler(M('handdetect')), landmarkModelUrl: graphModelHandler(landmarkJson),
    });
    if (det.anchors.length !== 2944) throw new Error(`expected 2944 palm anchors, the library made ${det.anchors.length}`);
    // The human-models landmark file's output order (hands_oracle.js): swap Identity:0 / Identity_2:0.
    const d2 = outputDims(readModelJson(landmarkJson), 'Identity_2:0');
    if (d2 && d2.length === 2 && d2[1] === 1) {
      const rename = (n) => (n === 'Identity:0' ? 'Identity_2:0' : n === 'Identity_2:0' ? 'Identity:0' : n);
      const execute = det.landmarkModel.execute.bind(det.landmarkModel);
      det.landmarkModel.execute = (inputs, outputs) => execute(inputs, outputs.map(rename));
    }
    return async () => (await det.estimateHands(image, { flipHorizontal: false, staticImageMode: true })).length;
  }
  if (opt.task === 'selfie' || opt.task === 'meet') {
    const bs = lib('body-segmentation');
    const seg = await bs.createSegmenter(bs.SupportedModels.MediaPipeSelfieSegmentation, {
      runtime: 'tfjs', modelType: opt.task === 'selfie' ? 'general' : 'landscape',
      modelUrl: graphModelHandler(M(opt.task), adaptSegmentationGraph),
    });
    return async () => {
      const people = await seg.segmentPeople(image, { flipHorizontal: false });
      const rgba = await people[0].mask.toTensor();  // [H,W,4]: R = A = P(person)
      const v = await rgba.data();
      rgba.dispose();
      let above = 0;
      for (let i = 0; i < v.length; i += 4) if (v[i] > 0.5) ++above;
      return above / (v.length / 4);
    };
  }
  // blazepose: pose-detection's index cannot be required under node (body_oracle.js); its
  // per-file module is what createDetector(SupportedModels.BlazePose, {runtime: 'tfjs'}) calls.
  const bp = require(path.join(ORACLE_MODULES, '@tensorflow-models/pose-detection/dist/blazepose_tfjs/detector'));
  const det = await bp.load({
    runtime: 'tfjs', modelType: 'full', enableSmoothing: false, enableSegmentation: false,
    detectorModelUrl: graphModelHandler(M('blazepose-detector')), landmarkModelUrl: graphModelHandler(M('blazepose-full')),
  });
  return async () => {
    det.reset();  // fresh state: no ROI from the previous call, so the pose detector runs
    return (await det.estimatePoses(image, { maxPoses: 1, flipHorizontal: false })).length;
  };
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  const img = readNpy(opt.image);
  if (img.dtype !== 'uint8' || img.shape.length !== 3 || img.shape[2] !== 3) throw new UsageError(`--image must be a uint8 [H,W,3] .npy, got ${img.dtype} [${img.shape}]`);

  // Keep stdout for the one JSON line: library chatter (tfjs-node banners, kernel
  // re-registration warnings, debug prints) goes to stderr or nowhere.
  const realLog = console.log;
  const realWarn = console.warn;
  console.warn = () => {};
  console.log = (...a) => process.stderr.write(a.join(' ') + '\n');

  const tf = require('@tensorflow/tfjs-core');
  require('@tensorflow/tfjs-backend-cpu');
  let wasm = null;
  if (opt.backend === 'wasm') {
    wasm = require(path.join(GOLDEN_MODULES, '@tensorflow/tfjs-backend-wasm'));
    if (opt.threads !== null) wasm.setThreadsCount(opt.threads);
  }
  // Load the libraries now, so that any backend they register (body-segmentation pulls in
  // tfjs-backend-webgl) exists before the check below.
  lib('face-detection'); lib('face-landmarks-detection'); lib('hand-pose-detection'); lib('body-segmentation');
  const cores = Object.keys(require.cache).filter((f) => /[\\/]@tensorflow[\\/]tfjs-core[\\/]dist[\\/]tf-core\.node\.js$/.test(f));
  if (cores.length !== 1) throw new Error(`expected one tfjs-core instance, found ${cores.length}: ${cores.join(', ')}`);
  if (opt.backend === 'wasm' && tf.findBackendFactory('wasm') == null) throw new Error("the 'wasm' backend did not register with the models' tfjs-core");
  if (!(await tf.setBackend(opt.backend))) throw new Error(`cannot initialize the ${opt.backend} backend`);
  await tf.ready();
  tf.backend().firstUse = false;  // the cpu backend's "install tfjs-node" banner
  const threads = wasm ? wasm.getThreadsCount() : 1;

  const image = tf.tensor3d(Int32Array.from(img.data), img.shape, 'int32');
  const once = await buildTask(tf, opt, image);
  let found;
  for (let i = 0; i < opt.warmup; ++i) found = await once();
  const times = [];
  for (let i = 0; i < opt.runs; ++i) {
    const t0 = process.hrtime.bigint();
    found = await once();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const n = times.length;
  const median = n % 2 ? times[(n - 1) / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
  console.log = realLog;
  console.warn = realWarn;
  const out = { task: opt.task, backend: tf.getBackend(), threads, runs: n, median_ms: median, min_ms: times[0], found };
  if (opt.threads !== null) out.threads_requested = opt.threads;
  out.image = img.shape;
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  process.stderr.write(`tfjs_mediapipe: ${process.env.TFJS_MEDIAPIPE_DEBUG ? e.stack : e.message}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
});
