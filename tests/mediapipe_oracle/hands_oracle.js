// The hands oracle: runs the TF.js runtime of @tensorflow-models/hand-pose-detection 2.0.1
// (SupportedModels.MediaPipeHands, runtime 'tfjs') end to end under plain node, on the tfjs 'cpu'
// backend, on the same model files easel loads, and prints what the library returned as one
// JSON line.
//
//   node hands_oracle.js --image IMG.npy --detector DIR/handdetect.json
//                        --landmarks DIR/handlandmark-full.json [--max-hands N]
//                        [--palm-resize letterbox|stretch] [--flip-horizontal true|false]
//   node hands_oracle.js --video F0.npy,F1.npy,... (same other options)
//
// IMG.npy: uint8 [H,W,3] RGB (read with ../npy.js). --detector / --landmarks: TF.js graph-model
// .json files (their weight shards are read from the same folder); the oracle never looks in
// ~/.cache itself. --video runs the frames in order through one detector with
// staticImageMode false (the library's tracking: a frame reuses the previous frame's
// landmark ROIs while it holds maxHands hands) and prints {"frames":[<one image's object>...]}.
//
// Output (stdout, one line), pixels of the input image:
//   {"hands":[{"handedness":"Left"|"Right","score","keypoints":[{x,y,name}x21],
//              "keypoints3D":[{x,y,z,name}x21],"handedness_score"}],
//    "palms":[{"box":{xMin,yMin,xMax,yMax,width,height},"keypoints":[{x,y}x7],"score"}],
//    "rois":[...], "next_rois":[...], "hand_flags":[...]}
// hands[i] is exactly what estimateHands() returned (keypoints in pixels, keypoints3D the world
// landmarks in metres, score = the hand-presence value, handedness = 'Left' if the handedness
// value >= 0.5); the oracle adds handedness_score (that value), captured on the way. Extras:
// "palms" (what detectPalm() returned: after NMS and letterbox removal, normalized by the
// library, here scaled to pixels), "rois" (the normalized rotated rects {xCenter,yCenter,width,
// height,rotation} the landmark crops were taken from), "hand_flags" (the hand-presence value of
// every crop, kept or not: the library drops a crop whose value is < 0.5) and "next_rois"
// (prevHandRectsFromLandmarks: the rects a next video frame would use).
// An error goes to stderr with exit code 1 (2 for bad usage).
//
// How the library runs here: its own createDetector()/estimateHands(). The oracle supplies:
//  * the model loading: tfconv.loadGraphModel accepts an io.IOHandler instead of a URL, so
//    detectorModelUrl / landmarkModelUrl are handlers whose load() returns the json + .bin
//    contents read from disk. The library's load() calls url.indexOf('https://tfhub.dev'), so
//    the handlers also carry an indexOf() that answers -1. (graphModelHandler() of
//    tests/oracle_util.js, which also holds the command-line parser.)
//  * the palm detector's constants. The library is built for MediaPipe's 192x192 palm detector
//    (2016 anchors); the human-models 3.0.4 'handdetect' is the 256x256 one (2944 anchors) that
//    @tensorflow-models/handpose used: same output layout ([1,N,19]: score logit, box cx,cy,w,h,
//    7 keypoints x,y, all in input pixels relative to the anchor centre). Before the detector is
//    built, the library's own constants module (dist/tfjs/constants.js) is patched in place with
//    the 256 model's values, from MediaPipe's palm_detection_cpu.pbtxt for that model (which
//    handpose's anchors.json reproduces): anchors numLayers 5, minScale 0.1171875,
//    maxScale 0.75, input 256x256, strides [8,16,32,32,32] (32x32x2 + 16x16x2 + 8x8x6 = 2944),
//    decoding scales 256, input range [-1,1] (handpose: (x/255 - 0.5) * 2). The input is
//    letterboxed as the library (and MediaPipe's ImageToTensorCalculator, keep_aspect_ratio)
//    does; --palm-resize stretch resizes the whole image to 256x256 instead, as
//    @tensorflow-models/handpose did. Everything else (threshold 0.5, NMS IoU 0.3, the ROI
//    and landmark steps) is the library's, unchanged.
//  * the landmark model's output names. The library executes ['Identity_2:0' (landmarks),
//    'Identity_1:0' (hand flag), 'Identity:0' (handedness), 'Identity_3:0' (world landmarks)],
//    the names of its tfhub conversion. The human-models conversion keeps the .tflite's names:
//    Identity:0 [1,63] landmarks, Identity_1:0 [1,1] hand flag, Identity_2:0 [1,1] handedness,
//    Identity_3:0 [1,63] world landmarks (checked: the flag is ~1 on a hand crop and ~0 on a
//    wall; the handedness flips when the crop is mirrored). When the .json's signature shows
//    that layout (Identity_2:0 is [1,1]), 'Identity:0' and 'Identity_2:0' are swapped in the
//    library's execute() call; otherwise the names pass unchanged.
'use strict';

const { readNpy } = require('../npy');
const { UsageError, parseOptions, readModelJson, graphModelHandler } = require('../oracle_util');

const OPTIONS = ['image', 'video', 'detector', 'landmarks', 'max-hands', 'palm-resize', 'flip-horizontal'];

function parseArgs(argv) {
  const opt = parseOptions(argv, { optional: OPTIONS });
  if (!opt.image === !opt.video) throw new UsageError('give exactly one of --image and --video');
  if (!opt.detector) throw new UsageError('--detector is required');
  if (!opt.landmarks) throw new UsageError('--landmarks is required');
  opt.maxHands = opt['max-hands'] === undefined ? 2 : Number(opt['max-hands']);
  if (!Number.isInteger(opt.maxHands) || opt.maxHands < 1) throw new UsageError(`--max-hands must be a positive integer, not '${opt['max-hands']}'`);
  opt.palmResize = opt['palm-resize'] || 'letterbox';
  if (!['letterbox', 'stretch'].includes(opt.palmResize)) throw new UsageError(`--palm-resize must be letterbox or stretch, not '${opt.palmResize}'`);
  const flip = opt['flip-horizontal'] || 'false';
  if (!['true', 'false'].includes(flip)) throw new UsageError(`--flip-horizontal must be true or false, not '${flip}'`);
  opt.flipHorizontal = flip === 'true';
  opt.frames = opt.image ? [opt.image] : opt.video.split(',').filter((f) => f !== '');
  return opt;
}

// The dims of a signature output, e.g. [1, 63], or null.
function outputDims(model, name) {
  const outs = (model.signature && model.signature.outputs) || {};
  for (const o of Object.values(outs))
    if (o.name === name && o.tensorShape && o.tensorShape.dim) return o.tensorShape.dim.map((d) => Number(d.size));
  return null;
}

// Patches the library's constants (dist/tfjs/constants.js, the module its detector reads) for
// the 256x256, 2944-anchor palm detector. Returns the values used.
function patchPalmDetectorConstants(palmResize) {
  const constants = require('@tensorflow-models/hand-pose-detection/dist/tfjs/constants');
  Object.assign(constants.MPHANDS_DETECTOR_ANCHOR_CONFIGURATION, {
    numLayers: 5,
    minScale: 0.1171875,
    maxScale: 0.75,
    inputSizeHeight: 256,
    inputSizeWidth: 256,
    anchorOffsetX: 0.5,
    anchorOffsetY: 0.5,
    strides: [8, 16, 32, 32, 32],
    aspectRatios: [1.0],
    fixedAnchorSize: true,
    reduceBoxesInLowestLayer: false,
    interpolatedScaleAspectRatio: 1.0,
    featureMapHeight: [],
    featureMapWidth: [],
  });
  Object.assign(constants.MPHANDS_TENSORS_TO_DETECTION_CONFIGURATION, {
    numBoxes: 2944, xScale: 256.0, yScale: 256.0, wScale: 256.0, hScale: 256.0,
  });
  Object.assign(constants.MPHANDS_DETECTOR_IMAGE_TO_TENSOR_CONFIG, {
    outputTensorSize: { width: 256, height: 256 },
    keepAspectRatio: palmResize === 'letterbox',
    outputTensorFloatRange: [-1, 1],
    borderMode: 'zero',
  });
  return constants;
}

function toPixels(d, W, H) {
  const b = d.locationData.relativeBoundingBox;
  return {
    box: { xMin: b.xMin * W, yMin: b.yMin * H, xMax: b.xMax * W, yMax: b.yMax * H, width: b.width * W, height: b.height * H },
    keypoints: d.locationData.relativeKeypoints.map((k) => ({ x: k.x * W, y: k.y * H })),
    score: d.score[0],
  };
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  const images = opt.frames.map((f) => {
    const img = readNpy(f);
    if (img.dtype !== 'uint8' || img.shape.length !== 3 || img.shape[2] !== 3)
      throw new UsageError(`'${f}' must be a uint8 [H,W,3] .npy, got ${img.dtype} [${img.shape}]`);
    return img;
  });
  const landmarkJson = readModelJson(opt.landmarks);
  readModelJson(opt.detector);

  const tf = require('@tensorflow/tfjs-core');
  require('@tensorflow/tfjs-backend-cpu');
  // The cpu backend's "install tfjs-node" banner (printed on its first tensor): not ours to print.
  const warn = console.warn;
  console.warn = (...a) => { if (!/tfjs-node/.test(String(a[0]))) warn(...a); };
  const log = console.log;
  console.log = (...a) => { if (!/^=+$/.test(String(a[0]).trim()) && !/tfjs-node/.test(String(a[0]))) process.stderr.write(a.join(' ') + '\n'); };
  await tf.setBackend('cpu');
  await tf.ready();
  patchPalmDetectorConstants(opt.palmResize);
  const handPoseDetection = require('@tensorflow-models/hand-pose-detection');

  const detector = await handPoseDetection.createDetector(handPoseDetection.SupportedModels.MediaPipeHands, {
    runtime: 'tfjs', modelType: 'full', maxHands: opt.maxHands,
    detectorModelUrl: graphModelHandler(opt.detector), landmarkModelUrl: graphModelHandler(opt.landmarks),
  });
  if (detector.anchors.length !== 2944) throw new Error(`expected 2944 anchors, the library made ${detector.anchors.length}`);

  // The landmark model's output names (see the header), and the capture of flag / handedness.
  const d2 = outputDims(landmarkJson, 'Identity_2:0');
  const swap = d2 != null && d2.length === 2 && d2[1] === 1;
  const rename = (n) => (!swap ? n : n === 'Identity:0' ? 'Identity_2:0' : n === 'Identity_2:0' ? 'Identity:0' : n);
  let frame;
  const execute = detector.landmarkModel.execute.bind(detector.landmarkModel);
  detector.landmarkModel.execute = (inputs, outputs) => {
    const res = execute(inputs, outputs.map(rename));
    // outputs: [landmarks, hand flag, handedness, world landmarks], the library's order.
    frame.hand_flags.push(res[1].dataSync()[0]);
    frame.handedness_scores.push(res[2].dataSync()[0]);
    return res;
  };
  const detectPalm = detector.detectPalm.bind(detector);
  detector.detectPalm = async (...args) => {
    const dets = await detectPalm(...args);
    frame.palm_ran = true;
    frame.palms = dets.map((d) => toPixels(d, frame.W, frame.H));
    return dets;
  };
  const handLandmarks = detector.handLandmarks.bind(detector);
  detector.handLandmarks = (roi, im) => { frame.rois.push({ ...roi }); return handLandmarks(roi, im); };

  const results = [];
  for (const img of images) {
    frame = { W: img.shape[1], H: img.shape[0], palms: [], rois: [], hand_flags: [], handedness_scores: [] };
    // The same input a browser caller would give: an int32 [H,W,3] tensor, as fromPixels makes.
    const image = tf.tensor3d(Int32Array.from(img.data), img.shape, 'int32');
    const hands = await detector.estimateHands(image, { flipHorizontal: opt.flipHorizontal, staticImageMode: images.length === 1 });
    image.dispose();
    // estimateHands() keeps the crops whose flag is >= 0.5, in order: match them back.
    const kept = frame.hand_flags.map((f, i) => i).filter((i) => !(frame.hand_flags[i] < 0.5));
    const out = {
      hands: hands.map((h, i) => ({
        handedness: h.handedness, score: h.score, keypoints: h.keypoints, keypoints3D: h.keypoints3D,
        handedness_score: frame.handedness_scores[kept[i]],
      })),
      palms: frame.palms,
      rois: frame.rois,
      hand_flags: frame.hand_flags,
      next_rois: (detector.prevHandRectsFromLandmarks || []).map((r) => ({ ...r })),
    };
    if (images.length > 1) out.palm_detector_ran = !!frame.palm_ran;
    results.push(out);
  }
  detector.dispose();
  console.log = log;
  const result = images.length === 1 ? results[0] : { frames: results };
  result.palm_resize = opt.palmResize;
  result.landmark_outputs = swap ? 'human-models (Identity:0 landmarks, Identity_1:0 flag, Identity_2:0 handedness, Identity_3:0 world)' : 'library names';
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((e) => {
  process.stderr.write(`hands_oracle: ${process.env.HANDS_ORACLE_DEBUG ? e.stack : e.message}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
});
