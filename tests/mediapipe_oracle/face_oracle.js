// The face oracle: runs the TF.js runtime of @tensorflow-models/face-detection 1.0.3 (BlazeFace,
// MediaPipeFaceDetector) and, with --mesh, of @tensorflow-models/face-landmarks-detection 1.0.6
// (MediaPipeFaceMesh) end to end under plain node, on the tfjs 'cpu' backend, on the same model
// files easel loads, and prints what the library returned as one JSON line.
//
//   node face_oracle.js --image IMG.npy --detector DIR/facemesh-detection-short.json
//                       [--mesh DIR/facemesh.json] [--max-faces N] [--model-type short|full]
//                       [--refine-landmarks true|false]
//
// IMG.npy: uint8 [H,W,3] RGB (read with ../npy.js). --detector / --mesh: TF.js graph-model
// .json files (their weight shards are read from the same folder), as easel resolved them; the
// oracle never looks in ~/.cache itself. --model-type (default short) picks the library's
// short-range (128x128, 896 anchors) or full-range (192x192, 2304 anchors) configuration; it
// must match the detector file. The face mesh always builds its detector as 'short' (the
// library hardcodes modelType 'short' in face-landmarks-detection/dist/tfjs/detector.js), so
// --model-type full with --mesh is refused. --refine-landmarks true expects the 478-point
// attention mesh (facemesh-attention.json) as --mesh.
//
// Output (stdout, one line):
//   {"faces":[{"box":{xMin,yMin,xMax,yMax,width,height},"keypoints":[{x,y,z?,name?}],"score"}],
//    "mode":"detector"|"mesh", ...extras}
// faces[i].box and faces[i].keypoints are exactly what estimateFaces() returned (pixels of the
// input image). The library drops scores; the oracle adds them back, captured on the way:
//   detector: score = the detection's sigmoid score (detection.score[0]) that estimateFaces()
//             drops; faces are in the library's order (descending score, after NMS).
//   mesh:     score = the landmark model's face-presence value ('output_faceflag', kept when
//             >= 0.5); extras: "detections" (the face detector's raw output: normalized
//             relativeBoundingBox/relativeKeypoints + score, as the mesh pipeline saw them),
//             "rois" (the normalized rotated rects the landmark crops were taken from) and
//             "next_rois" (prevFaceRectsFromLandmarks: the rects a next video frame would use).
// An error goes to stderr with exit code 1 (2 for bad usage).
//
// How the library runs here: its own createDetector()/estimateFaces(); the only thing the oracle
// supplies is the model loading: tfconv.loadGraphModel accepts an io.IOHandler instead of a URL,
// so detectorModelUrl / landmarkModelUrl are handlers whose load() returns the json + .bin
// contents read from disk (the http/file loaders of tfjs-core would need fetch / a server):
// graphModelHandler() of tests/oracle_util.js (which also holds the command-line parser).
// The human-models 3.0.4 files work unchanged: the detector's output tensor is 'Identity:0'
// (what the library executes; the full-range file also has a 'person' head as Identity_1:0,
// ignored) and the mesh's signature keys 'output_faceflag' / 'output_mesh' (and, attention mesh,
// 'output_mesh_identity', 'output_lips', 'Identity_1/2/5/6:0') resolve through the signature.
'use strict';

const { readNpy } = require('../npy');
const { UsageError, parseOptions, graphModelHandler } = require('../oracle_util');

const OPTIONS = ['image', 'detector', 'mesh', 'max-faces', 'model-type', 'refine-landmarks'];

function parseArgs(argv) {
  const opt = parseOptions(argv, { optional: OPTIONS });
  if (!opt.image) throw new UsageError('--image is required');
  if (!opt.detector) throw new UsageError('--detector is required');
  opt.maxFaces = opt['max-faces'] === undefined ? 1 : Number(opt['max-faces']);
  if (!Number.isInteger(opt.maxFaces) || opt.maxFaces < 1) throw new UsageError(`--max-faces must be a positive integer, not '${opt['max-faces']}'`);
  opt.modelType = opt['model-type'] || 'short';
  if (!['short', 'full'].includes(opt.modelType)) throw new UsageError(`--model-type must be short or full, not '${opt.modelType}'`);
  if (opt.mesh && opt.modelType !== 'short') throw new UsageError('the face mesh always runs the short-range detector (--model-type full cannot be used with --mesh)');
  const refine = opt['refine-landmarks'] || 'false';
  if (!['true', 'false'].includes(refine)) throw new UsageError(`--refine-landmarks must be true or false, not '${refine}'`);
  opt.refine = refine === 'true';
  return opt;
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  const img = readNpy(opt.image);
  if (img.dtype !== 'uint8' || img.shape.length !== 3 || img.shape[2] !== 3)
    throw new UsageError(`--image must be a uint8 [H,W,3] .npy, got ${img.dtype} [${img.shape}]`);

  const tf = require('@tensorflow/tfjs-core');
  require('@tensorflow/tfjs-backend-cpu');
  // The cpu backend's "install tfjs-node" banner (printed on its first tensor): not ours to print.
  const warn = console.warn;
  console.warn = (...a) => { if (!/tfjs-node/.test(String(a[0]))) warn(...a); };
  await tf.setBackend('cpu');
  await tf.ready();
  const faceDetection = require('@tensorflow-models/face-detection');
  const faceLandmarksDetection = require('@tensorflow-models/face-landmarks-detection');

  // The same input a browser caller would give: an int32 [H,W,3] tensor, as fromPixels makes.
  const image = tf.tensor3d(Int32Array.from(img.data), img.shape, 'int32');
  const out = {};
  if (!opt.mesh) {
    const detector = await faceDetection.createDetector(faceDetection.SupportedModels.MediaPipeFaceDetector, {
      runtime: 'tfjs', modelType: opt.modelType, maxFaces: opt.maxFaces, detectorModelUrl: graphModelHandler(opt.detector),
    });
    // estimateFaces() maps detectFaces()'s result one to one and drops score: keep it.
    const detectFaces = detector.detectFaces.bind(detector);
    let scores = [];
    detector.detectFaces = async (...args) => {
      const dets = await detectFaces(...args);
      scores = dets.map((d) => d.score[0]);
      return dets;
    };
    const faces = await detector.estimateFaces(image, { flipHorizontal: false });
    faces.forEach((f, i) => { f.score = scores[i]; });
    out.mode = 'detector';
    out.model_type = opt.modelType;
    out.faces = faces;
    detector.dispose();
  } else {
    const detector = await faceLandmarksDetection.createDetector(faceLandmarksDetection.SupportedModels.MediaPipeFaceMesh, {
      runtime: 'tfjs', refineLandmarks: opt.refine, maxFaces: opt.maxFaces,
      detectorModelUrl: graphModelHandler(opt.detector), landmarkModelUrl: graphModelHandler(opt.mesh),
    });
    // Capture, without changing them: the detections, the ROIs and the face-presence scores.
    const inner = detector.detector;
    const innerDetect = inner.detectFaces.bind(inner);
    let detections = [];
    inner.detectFaces = async (...args) => {
      const dets = await innerDetect(...args);
      detections = dets.map((d) => ({ score: d.score[0], relativeBoundingBox: { ...d.locationData.relativeBoundingBox }, relativeKeypoints: d.locationData.relativeKeypoints.map((k) => ({ ...k })) }));
      return dets;
    };
    const rois = [];
    const faceLandmark = detector.faceLandmark.bind(detector);
    detector.faceLandmark = (roi, im) => { rois.push({ ...roi }); return faceLandmark(roi, im); };
    const flags = [];
    const execute = detector.landmarkModel.execute.bind(detector.landmarkModel);
    detector.landmarkModel.execute = (inputs, outputs) => {
      const res = execute(inputs, outputs);
      flags.push(res[0].dataSync()[0]);  // outputs[0] is 'output_faceflag'
      return res;
    };
    const faces = await detector.estimateFaces(image, { flipHorizontal: false, staticImageMode: true });
    const kept = flags.filter((s) => !(s < 0.5));  // the library's test: drop if score < FACE_PRESENCE_SCORE
    faces.forEach((f, i) => { f.score = kept[i]; });
    out.mode = 'mesh';
    out.refine_landmarks = opt.refine;
    out.faces = faces;
    out.detections = detections;
    out.rois = rois;
    out.face_flags = flags;
    out.next_rois = (detector.prevFaceRectsFromLandmarks || []).map((r) => ({ ...r }));
    detector.dispose();
  }
  image.dispose();
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  process.stderr.write(`face_oracle: ${process.env.FACE_ORACLE_DEBUG ? e.stack : e.message}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
});
