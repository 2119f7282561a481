// The ml5.js 0.12.2 oracle for easel's styleTransfer, charRNN and CVAE: runs ml5 itself (its UMD
// bundle dist/ml5.min.js, which carries TF.js 1.7.4 and exports it as ml5.tf) under plain node,
// on the same inputs as easel, and writes what ml5 computed as .npy / .json files.
//
//   node ml5_oracle.js style   --model DIR --image in.npy --out OUT_DIR [--backend cpu|wasm]
//                              [--input-dtype int32|float32]
//   node ml5_oracle.js charrnn --model DIR --seed TEXT --length N --temperature T --random-seed S
//                              --out OUT_DIR [--backend cpu|wasm]
//   node ml5_oracle.js cvae    --model DIR/manifest.json --label LABEL --latent z.npy --out OUT_DIR
//                              [--backend cpu|wasm]
//   node ml5_oracle.js bench-style   --model DIR [--size 256] [--runs 5] [--backend cpu|wasm]
//                                    [--input-dtype int32|float32]
//   node ml5_oracle.js bench-charrnn --model DIR [--chars 200] [--runs 3] [--seed a]
//                                    [--temperature 0.5] [--backend cpu|wasm]
//
// (The command line is read by parseCommand() of tests/oracle_util.js.)
// Each command prints one JSON line to stdout; an error goes to stderr with exit code 1
// (ML5_ORACLE_DEBUG=1 adds its stack and the console output of loading ml5).
//
// Outputs (.npy: NumPy format 1.0, little-endian, C order):
//   style:   style_float.npy  float32 [H,W,3]  the `normalized` tensor (0..1) ml5 turns into an image
//            style_bytes.npy  uint8   [H,W,3]  the RGB ml5 writes into its canvas: Math.floor(256*v)
//                                              stored in a Uint8ClampedArray (so 1.0 -> 255)
//   charrnn: charrnn.json     {sample, vocab, seed, length, temperature, random_seed, random_draws}
//            next_probs.npy   float32 [vocab]  ml5's probabilities for the character after the seed
//   cvae:    cvae.npy         float32 [28,28,1] the decoder's output as ml5 reshapes it
//            cvae_bytes.npy   uint8   [28,28]  channel 0 of tf.browser.toPixels: Math.round(255*v)
// in.npy for style: uint8 [H,W,3] RGB; z.npy for cvae: float32 [1,16] (or [16]).
//
// How ml5 runs here, as in a browser:
//  * the bundle expects a browser, so a minimal one is set up below (window = globalThis, a
//    document whose canvases hold plain RGBA arrays, ImageData, the HTML*Element classes,
//    XMLHttpRequest from the xhr2 package, navigator, location); no WebGL context exists, so
//    TF.js runs on its 'cpu' backend (or 'wasm', see selectBackend);
//  * the model folder is served over http on 127.0.0.1 (a random port) and ml5 is handed the
//    http:// URL, so ml5's own loaders fetch the files exactly as in a page: CheckpointLoader
//    and axios (XMLHttpRequest) for styleTransfer, charRNN and the CVAE manifest,
//    tf.loadLayersModel (fetch) for the CVAE model;
//  * then ml5's public API runs: styleTransfer().transfer(), charRNN().generate(),
//    CVAE().generate(). What ml5 computed is captured at the edges (Tensor.dataSync, the
//    canvas stub, the model's predict) as each command's comment says; no part of ml5's
//    algorithms is copied here. Replaced: Math.random (charrnn, below), the CVAE's latent
//    (runCvae) and, only with --input-dtype float32, the dtype of fromPixels' tensor
//    (registerFloatFromPixels).
//  * backends: 'cpu' (default) runs everything. 'wasm' (tfjs-backend-wasm 1.7.4 in ml5's
//    engine) runs charrnn only: style stops at tf.sqrt ('sqrt' has no wasm kernel in 1.7.4;
//    next would be tf.conv2dTranspose, 'conv2dDerInput'), cvae at the Conv2DTranspose layer
//    ('conv2dDerInput'; its UpSampling2D, 'resizeNearestNeighbor', has none either).
//
// charrnn replaces Math.random (which ml5's sampleFromDistribution draws from) with this
// generator, seeded by --random-seed; easel's C++ side implements the same one:
//
//   function mulberry32(a){return function(){a|=0;a=a+0x6D2B79F5|0;let t=Math.imul(a^a>>>15,1|a);t=t+Math.imul(t^t>>>7,61|t)^t;return((t^t>>>14)>>>0)/4294967296;}}
//
// ml5 quirks worth knowing on the C++ side are noted where they show (search "QUIRK"):
// styleTransfer's first convolution truncated to integers on the cpu backend
// (registerFloatFromPixels); charRNN's generate() not restarting from a zero state, its
// temperature handling, feed() and the sampler (runCharRnn).
'use strict';

const fs = require('fs');
const path = require('path');
const http = require('http');
const Module = require('module');
const { performance } = require('perf_hooks');
const { readNpy, writeNpy } = require('../npy.js');
const { UsageError, parseCommand } = require('../oracle_util.js');

const HERE = __dirname;
const ML5_PATH = path.join(HERE, 'node_modules', 'ml5');  // package main: dist/ml5.min.js
const WASM_PKG_DIR = path.join(HERE, 'node_modules', '@tensorflow', 'tfjs-backend-wasm');
const WASM_FILE = path.join(WASM_PKG_DIR, 'dist', 'tfjs-backend-wasm.wasm');
const WASM_URL_PATH = '/__tfjs_backend_wasm__/tfjs-backend-wasm.wasm';

// The generator given above, verbatim.
// eslint-disable-next-line
function mulberry32(a){return function(){a|=0;a=a+0x6D2B79F5|0;let t=Math.imul(a^a>>>15,1|a);t=t+Math.imul(t^t>>>7,61|t)^t;return((t^t>>>14)>>>0)/4294967296;}}

// ------------------------------------------------------------------------------------------
// Command line: `node ml5_oracle.js COMMAND --key value ...`.

const COMMANDS = {
  'style': { required: ['model', 'image', 'out'], optional: ['backend', 'input-dtype'] },
  'charrnn': { required: ['model', 'seed', 'length', 'temperature', 'random-seed', 'out'], optional: ['backend'] },
  'cvae': { required: ['model', 'label', 'latent', 'out'], optional: ['backend'] },
  'bench-style': { required: ['model'], optional: ['size', 'runs', 'backend', 'input-dtype'] },
  'bench-charrnn': { required: ['model'], optional: ['chars', 'runs', 'seed', 'temperature', 'backend'] },
};

function parseArgs(argv) {
  const { command, opt } = parseCommand(argv, COMMANDS, 'ml5_oracle.js');
  opt.backend = opt.backend || 'cpu';
  if (!['cpu', 'wasm'].includes(opt.backend)) throw new UsageError(`--backend must be cpu or wasm, not '${opt.backend}'`);
  opt['input-dtype'] = opt['input-dtype'] || 'int32';
  if (!['int32', 'float32'].includes(opt['input-dtype'])) throw new UsageError(`--input-dtype must be int32 or float32, not '${opt['input-dtype']}'`);
  return { command, opt };
}

function positiveInt(opt, key, fallback) {
  const v = opt[key] === undefined ? fallback : Number(opt[key]);
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${key} must be a positive integer, not '${opt[key]}'`);
  return v;
}

function finiteNumber(opt, key, fallback) {
  const v = opt[key] === undefined ? fallback : Number(opt[key]);
  if (!Number.isFinite(v)) throw new UsageError(`--${key} must be a number, not '${opt[key]}'`);
  return v;
}

// ------------------------------------------------------------------------------------------
// The local web server: serves one folder (the model's) read-only, plus the wasm backend's
// .wasm binary at WASM_URL_PATH, on 127.0.0.1 at a random port.

const CONTENT_TYPES = { '.json': 'application/json', '.wasm': 'application/wasm', '.txt': 'text/plain' };

function startServer(rootDir) {
  const root = path.resolve(rootDir);
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = urlPath === WASM_URL_PATH ? WASM_FILE : path.join(root, path.normalize(urlPath));
    if (file !== WASM_FILE && !file.startsWith(root + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${urlPath}`);
        return;
      }
      res.writeHead(200, {
        'Content-Type': CONTENT_TYPES[path.extname(file)] || 'application/octet-stream',
        'Content-Length': body.length,
      });
      res.end(body);
    });
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` }));
  });
}

// ------------------------------------------------------------------------------------------
// The minimum browser for the bundle. Canvases keep their pixels as a plain RGBA
// Uint8ClampedArray (like a real 2d canvas's backing store, without drawing operations), so
// whatever ml5 writes with putImageData can be read back.

// Every canvas whose toDataURL() was called, by the URL it returned, so that the <img> ml5
// returns can be traced back to the pixels (and the tensor data) it was made from.
const canvasByDataUrl = new Map();
// The most recent Tensor.dataSync() result, when capture is on (see captureDataSync).
let lastDataSync = null;

function installBrowserGlobals(origin) {
  const g = globalThis;

  class ImageData {
    // new ImageData(width, height) or new ImageData(Uint8ClampedArray, width[, height])
    constructor(a, b, c) {
      if (a instanceof Uint8ClampedArray) {
        this.data = a;
        this.width = b;
        this.height = c === undefined ? a.length / 4 / b : c;
      } else {
        this.width = a;
        this.height = b;
        this.data = new Uint8ClampedArray(4 * a * b);
      }
      if (this.data.length !== 4 * this.width * this.height) throw new Error('ImageData: data length does not match width*height*4');
    }
  }

  class FakeEventTarget {
    addEventListener() {}
    removeEventListener() {}
    dispatchEvent() { return true; }
  }

  class HTMLElement extends FakeEventTarget {
    constructor(tagName) {
      super();
      this.tagName = String(tagName).toUpperCase();
      this.style = {};
      this.childNodes = [];
      this.attributes = {};
    }
    getElementsByTagName() { return []; }
    querySelector() { return null; }
    querySelectorAll() { return []; }
    appendChild(child) { this.childNodes.push(child); return child; }
    removeChild(child) { return child; }
    insertBefore(child) { return child; }
    setAttribute(k, v) { this.attributes[k] = String(v); }
    getAttribute(k) { return k in this.attributes ? this.attributes[k] : null; }
    removeAttribute(k) { delete this.attributes[k]; }
  }
  class HTMLImageElement extends HTMLElement {
    constructor(width, height) {
      super('img');
      this.width = width || 0;
      this.height = height || 0;
      this.src = '';
    }
  }
  class HTMLVideoElement extends HTMLElement {
    constructor() { super('video'); this.readyState = 0; }
  }
  // The anchor element axios uses to parse URLs (its isURLSameOrigin helper).
  class HTMLAnchorElement extends HTMLElement {
    constructor() { super('a'); this._url = new URL(origin + '/'); }
    setAttribute(k, v) {
      super.setAttribute(k, v);
      if (k === 'href') this._url = new URL(String(v), g.location.href);
    }
    get href() { return this._url.href; }
    set href(v) { this.setAttribute('href', v); }
  }
  for (const part of ['protocol', 'host', 'search', 'hash', 'hostname', 'port', 'pathname']) {
    Object.defineProperty(HTMLAnchorElement.prototype, part, { get() { return this._url[part]; } });
  }

  class CanvasRenderingContext2D {
    constructor(canvas) { this.canvas = canvas; }
    // A region as a new ImageData (a copy, as in a browser); pixels outside are transparent.
    getImageData(sx, sy, sw, sh) {
      const out = new ImageData(sw, sh);
      const c = this.canvas;
      const px = c._pixels();
      for (let y = 0; y < sh; y++) {
        for (let x = 0; x < sw; x++) {
          const cx = sx + x, cy = sy + y;
          if (cx < 0 || cy < 0 || cx >= c.width || cy >= c.height) continue;
          const s = 4 * (cy * c.width + cx), d = 4 * (y * sw + x);
          out.data[d] = px[s]; out.data[d + 1] = px[s + 1]; out.data[d + 2] = px[s + 2]; out.data[d + 3] = px[s + 3];
        }
      }
      // The tensor data ml5 read just before asking for the canvas's pixels (array3DToImage:
      // data = tensor.dataSync(); ... ctx.getImageData(...)), kept with the canvas.
      c._sourceData = lastDataSync;
      return out;
    }
    createImageData(w, h) { return new ImageData(w, h); }
    putImageData(img, dx, dy) {
      const c = this.canvas;
      const px = c._pixels();
      for (let y = 0; y < img.height; y++) {
        for (let x = 0; x < img.width; x++) {
          const cx = dx + x, cy = dy + y;
          if (cx < 0 || cy < 0 || cx >= c.width || cy >= c.height) continue;
          const s = 4 * (y * img.width + x), d = 4 * (cy * c.width + cx);
          px[d] = img.data[s]; px[d + 1] = img.data[s + 1]; px[d + 2] = img.data[s + 2]; px[d + 3] = img.data[s + 3];
        }
      }
    }
    drawImage() { throw new Error('drawImage is not supported by the ml5_oracle canvas stub (pass ImageData to ml5)'); }
    clearRect() {}
    fillRect() {}
  }

  class HTMLCanvasElement extends HTMLElement {
    constructor() {
      super('canvas');
      this._w = 300;  // a browser canvas's default size
      this._h = 150;
      this._px = null;
      this._ctx = null;
      this._sourceData = null;
    }
    // Setting width or height clears the canvas, as in a browser.
    get width() { return this._w; }
    set width(v) { this._w = v >>> 0; this._px = null; }
    get height() { return this._h; }
    set height(v) { this._h = v >>> 0; this._px = null; }
    _pixels() {
      if (!this._px) this._px = new Uint8ClampedArray(4 * this._w * this._h);
      return this._px;
    }
    // Only '2d': with no 'webgl'/'webgl2' context TF.js cannot use its WebGL backend.
    getContext(kind) {
      if (kind !== '2d') return null;
      if (!this._ctx) this._ctx = new CanvasRenderingContext2D(this);
      return this._ctx;
    }
    // Not an encoded PNG: a token naming this canvas, whose pixels stay readable
    // (canvasByDataUrl). PNG encoding, which a browser's toDataURL does, is not timed here.
    toDataURL() {
      const url = `data:image/x-ml5-oracle-canvas;id=${canvasByDataUrl.size + 1},`;
      canvasByDataUrl.set(url, { width: this._w, height: this._h, pixels: Uint8ClampedArray.from(this._pixels()), sourceData: this._sourceData });
      return url;
    }
    toBlob(callback) {
      const px = Buffer.from(this._pixels().buffer.slice(0));
      setImmediate(() => callback(new Blob([px], { type: 'application/octet-stream' })));
    }
  }

  const document = {
    createElement(tag) {
      switch (String(tag).toLowerCase()) {
        case 'canvas': return new HTMLCanvasElement();
        case 'img': return new HTMLImageElement();
        case 'video': return new HTMLVideoElement();
        case 'a': return new HTMLAnchorElement();
        default: return new HTMLElement(tag);
      }
    },
    createTextNode(text) { const n = new HTMLElement('#text'); n.textContent = text; return n; },
    getElementById() { return null; },
    getElementsByTagName() { return []; },
    querySelector() { return null; },
    querySelectorAll() { return []; },
    addEventListener() {},
    removeEventListener() {},
    cookie: '',
    readyState: 'complete',
    currentScript: null,
  };
  document.head = new HTMLElement('head');
  document.body = new HTMLElement('body');
  document.documentElement = new HTMLElement('html');

  Object.assign(g, {
    window: g,
    self: g,
    document,
    location: new URL(origin + '/'),
    ImageData,
    HTMLElement,
    HTMLImageElement,
    HTMLVideoElement,
    HTMLCanvasElement,
    HTMLAnchorElement,
    CanvasRenderingContext2D,
    Image: HTMLImageElement,
    XMLHttpRequest: require('xhr2'),  // what axios's browser adapter uses
  });
  // node 20 has no navigator (node 21 does: then keep its own, adding what axios reads).
  if (typeof g.navigator === 'undefined') {
    Object.defineProperty(g, 'navigator', { value: {}, configurable: true, writable: true });
  }
  for (const [k, v] of Object.entries({ userAgent: 'Mozilla/5.0 (node) easel-ml5-oracle', product: 'Gecko', platform: 'node', language: 'en' })) {
    if (g.navigator[k] === undefined) {
      try { Object.defineProperty(g.navigator, k, { value: v, configurable: true }); } catch (e) { /* read-only: keep */ }
    }
  }
  // fetch (used by tf.loadLayersModel), Blob and URL.createObjectURL are node's own.
}

// Records what Tensor.dataSync() returns (a copy), so that the data ml5 turns into an image
// can be kept; the canvas stub attaches it to the canvas ml5 reads next.
function captureDataSync(tf) {
  const original = tf.Tensor.prototype.dataSync;
  tf.Tensor.prototype.dataSync = function dataSync() {
    const values = original.call(this);
    lastDataSync = { shape: this.shape.slice(), dtype: this.dtype, values: values.slice() };
    return values;
  };
}

// ------------------------------------------------------------------------------------------
// Loading ml5 and choosing TF.js's backend.

function loadMl5() {
  // Loading prints ml5's community statement (console.log) and TF.js's notes that backends and
  // the platform were registered twice (console.warn; harmless: the bundle holds two copies).
  // Kept off stdout, which carries the one JSON line, and shown only with ML5_ORACLE_DEBUG.
  const { log, warn } = console;
  const aside = (...args) => { if (process.env.ML5_ORACLE_DEBUG) console.error(...args); };
  console.log = aside;
  console.warn = aside;
  try {
    return require(ML5_PATH);
  } finally {
    console.log = log;
    console.warn = warn;
  }
}

// 'cpu': TF.js's plain-JS backend, the one a browser without WebGL gets.
// 'wasm': @tensorflow/tfjs-backend-wasm 1.7.4 (the version of the TF.js inside ml5) registered
// into ml5's bundled engine: while the package loads, require('@tensorflow/tfjs-core') is
// answered with ml5.tf (Module._load), so its backend and kernels land in ml5's own engine and
// registry. Its .wasm is fetched from the local server, as a page would (setWasmPath).
async function selectBackend(ml5, name, origin) {
  const tf = ml5.tf;
  if (name === 'wasm') {
    const originalLoad = Module._load;
    Module._load = function load(request, parent, isMain) {
      if (request === '@tensorflow/tfjs-core' && parent && parent.filename && parent.filename.startsWith(WASM_PKG_DIR + path.sep)) return tf;
      return originalLoad.apply(this, arguments);
    };
    let wasmBackend;
    try {
      wasmBackend = require(WASM_PKG_DIR);
    } finally {
      Module._load = originalLoad;
    }
    if (wasmBackend.version_wasm !== tf.version_core) throw new Error(`tfjs-backend-wasm ${wasmBackend.version_wasm} does not match ml5's TF.js ${tf.version_core}`);
    wasmBackend.setWasmPath(origin + WASM_URL_PATH);
  }
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) throw new Error(`TF.js backend '${name}' could not be initialized (got '${tf.getBackend()}')`);
}

// --input-dtype float32: tf.browser.fromPixels gives float32 instead of int32.
//
// QUIRK (why this exists): fromPixels returns an int32 tensor, and ml5's styleTransfer feeds
// it straight to tf.conv2d. TF.js 1.7's cpu backend makes conv2d's output buffer with the
// input's dtype and accumulates into it, so every partial sum of the first 9x9x3 convolution
// is truncated to an integer (e.g. pixel [1,2,3] times weights 0.3 gives 0, not 1.8). A
// browser's WebGL backend computes that convolution in float textures instead (its own
// FromPixels kernel makes an int32-labelled float texture). (tfjs-backend-wasm 1.7.4's Conv2D
// is worse: it reads the int32 data as float32 bits, e.g. [1,2,3] x 0.3 gives 2.8e-45; moot,
// as style stops at 'sqrt' on wasm.) So by default (int32) this oracle gives what ml5
// computes on TF.js's cpu backend; with float32 it gives the float network, what ml5 computes
// with WebGL up to float rounding (not checked here: no browser or GPU).
// How: fromPixels asks the engine for a registered 'FromPixels' kernel first (the WebGL
// backend registers one), so one is registered for the current backend that reads the
// ImageData the way fromPixels does (RGB of each RGBA pixel, alpha dropped) into float32.
// Nothing of ml5 changes; ImageData input only.
function registerFloatFromPixels(tf) {
  tf.registerKernel({
    kernelName: 'FromPixels',
    backendName: tf.getBackend(),
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { pixels } = inputs;
      const numChannels = attrs.numChannels;
      if (!(pixels instanceof ImageData)) throw new Error('--input-dtype float32 handles ImageData input only');
      const n = pixels.width * pixels.height;
      const values = new Float32Array(n * numChannels);
      for (let i = 0; i < n; i++) for (let c = 0; c < numChannels; c++) values[i * numChannels + c] = pixels.data[4 * i + c];
      const shape = [pixels.height, pixels.width, numChannels];
      return { dataId: backend.write(values, shape, 'float32'), shape, dtype: 'float32' };
    },
  });
}

// Starts the server on `root`, sets up the browser, loads ml5 and picks the backend.
async function setUp(root, backend) {
  const { server, origin } = await startServer(root);
  installBrowserGlobals(origin);
  const ml5 = loadMl5();
  await selectBackend(ml5, backend, origin);
  return { ml5, tf: ml5.tf, origin, server };
}

function versions(ml5) {
  return { ml5_version: ml5.version, tfjs_version: ml5.tf.version.tfjs };
}

// ------------------------------------------------------------------------------------------
// File helpers.

// tests/npy.js writes float32, int32 and bool but not uint8; this writes a '|u1' .npy the
// same way (version 1.0 header padded to 64 bytes, written to a temp file then renamed).
function writeNpyUint8(file, shape, values) {
  const data = Uint8Array.from(values);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': ${shapeText}, }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const prefix = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  prefix.writeUInt16LE(header.length, 8);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer)]));
  fs.renameSync(tmp, file);
}

function median(values) {
  const s = values.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round3 = (v) => Math.round(v * 1000) / 1000;

// An RGB uint8 [H,W,3] array as the ImageData a page would hand to ml5 (alpha 255).
function rgbToImageData(rgb, height, width) {
  const rgba = new Uint8ClampedArray(4 * width * height);
  for (let i = 0; i < width * height; i++) {
    rgba[4 * i] = rgb[3 * i];
    rgba[4 * i + 1] = rgb[3 * i + 1];
    rgba[4 * i + 2] = rgb[3 * i + 2];
    rgba[4 * i + 3] = 255;
  }
  return new ImageData(rgba, width, height);
}

// ------------------------------------------------------------------------------------------
// style: ml5.styleTransfer(model).transfer(ImageData).
//
// All of it is ml5's code: transfer() sees an ImageData, transferInternal() runs
// tf.browser.fromPixels (ImageData path: the RGBA bytes, alpha dropped, as an int32 [H,W,3]
// tensor), the network, then array3DToImage(normalized), which calls normalized.dataSync(),
// makes a canvas, writes Math.floor(256 * v) into its ImageData (a Uint8ClampedArray, so 256
// clamps to 255), puts it, and returns an <img> whose src is canvas.toDataURL().
// Captured: style_float.npy = what that dataSync() returned (the `normalized` tensor, 0..1),
// via the dataSync wrapper and the canvas's getImageData; style_bytes.npy = the RGB of the
// pixels ml5 put into that canvas, found from the returned <img>'s src.
// --input-dtype float32 changes only the dtype of fromPixels' tensor (see
// registerFloatFromPixels): the default int32 is ml5 on TF.js's cpu backend, float32 the float
// network a WebGL browser computes.
// Other QUIRKs: ImageData (and <img>/<video>) input runs at its own size, no resizing; a
// <canvas> (or p5 canvas) input goes through canvas.toDataURL() into `new Image(200, 200)`,
// so fromPixels draws it scaled to 200x200 whatever its size (not reproducible here: the stub
// canvas neither encodes nor draws). The bytes use Math.floor(256 * v), not round(255 * v):
// byte k covers v in [k/256, (k+1)/256), 1.0 gives 256, clamped to 255.
async function runStyle(opt) {
  const image = readNpy(opt.image);
  if (image.dtype !== 'uint8' || image.shape.length !== 3 || image.shape[2] !== 3) throw new Error(`${opt.image}: expected uint8 [H,W,3], got ${image.dtype} [${image.shape}]`);
  const [H, W] = image.shape;
  const { ml5, tf, origin } = await setUp(opt.model, opt.backend);
  if (opt['input-dtype'] === 'float32') registerFloatFromPixels(tf);
  const t0 = performance.now();
  const st = await ml5.styleTransfer(origin + '/');
  const loadMs = performance.now() - t0;
  captureDataSync(tf);
  const t1 = performance.now();
  const img = await st.transfer(rgbToImageData(image.data, H, W));
  const transferMs = performance.now() - t1;
  const canvas = canvasByDataUrl.get(img && img.src);
  if (!canvas) throw new Error('transfer() did not return an image made by array3DToImage');
  const src = canvas.sourceData;
  if (!src || src.dtype !== 'float32' || String(src.shape) !== String([H, W, 3])) throw new Error(`the tensor array3DToImage read is not float32 [${H},${W},3] (${src && src.dtype} [${src && src.shape}])`);
  if (canvas.width !== W || canvas.height !== H) throw new Error(`ml5's canvas is ${canvas.width}x${canvas.height}, not ${W}x${H}`);
  const bytes = new Uint8Array(3 * W * H);
  for (let i = 0; i < W * H; i++) {
    bytes[3 * i] = canvas.pixels[4 * i];
    bytes[3 * i + 1] = canvas.pixels[4 * i + 1];
    bytes[3 * i + 2] = canvas.pixels[4 * i + 2];
  }
  fs.mkdirSync(opt.out, { recursive: true });
  writeNpy(path.join(opt.out, 'style_float.npy'), 'float32', [H, W, 3], src.values);
  writeNpyUint8(path.join(opt.out, 'style_bytes.npy'), [H, W, 3], bytes);
  let lo = Infinity, hi = -Infinity;
  for (const v of src.values) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return {
    command: 'style', backend: tf.getBackend(), ...versions(ml5), input_dtype: opt['input-dtype'], height: H, width: W,
    float_min: lo, float_max: hi, load_ms: round3(loadMs), transfer_ms: round3(transferMs),
    outputs: ['style_float.npy', 'style_bytes.npy'],
  };
}

// ------------------------------------------------------------------------------------------
// charrnn: ml5.charRNN(model).generate({seed, length, temperature}).
//
// All of it is ml5's code; only Math.random (what ml5's sampleFromDistribution draws) is
// replaced by mulberry32(--random-seed) around the generate() whose sample is saved.
//  1. generate({seed, length: 1, temperature}) with node's own Math.random: its loop feeds
//     every seed character, and at the last one (i = seed.length - 1) computes the
//     distribution of the next character, samples it and ends; ml5 keeps that last step's
//     normalized probabilities (a Float32Array) in instance.probabilities -> next_probs.npy.
//  2. instance.initCells() (ml5's own method) to get a zero state again. QUIRK: ml5's
//     generate() does not start from zeros after the first call: initCells() makes
//     `this.state = this.zeroState` (one object), generateInternal then assigns
//     this.state.c / .h, which overwrites zeroState's, and reset() only points state back to
//     that same object; so a second generate() continues from the first one's final state.
//  3. Math.random = mulberry32(S); generate({seed, length, temperature}) -> charrnn.json.
//     random_draws counts the Math.random calls: one per generated character.
// Other QUIRKs of ml5's CharRNN, as written in its source:
//  * defaults by `||`: temperature 0 means 0.5, length 0 means 20, seed '' means 'a'. The
//    logits are divided by T and exp()'d in float32 without subtracting the maximum, then
//    divided by their sum: a small T (e.g. 0.05 on shakespeare) overflows to Infinity and every
//    probability is NaN.
//  * sampleFromDistribution: r = Math.random(), the first j with r < (running float64 sum of
//    the float32 probabilities) wins; if r is above the whole sum (rounding) or the
//    probabilities are NaN it returns undefined: no character is output and the next step's
//    one-hot input is left all zero.
//  * a sampled index whose vocab key is '' (shakespeare's vocab.json maps '' to 40) adds
//    nothing to the sample (`if (mapped)`), but is still fed back; so the sample may be
//    shorter than --length.
//  * feed(text) (not used here) feeds text[0] twice and never the last character: it feeds
//    text[0], text[0], text[1], ..., text[n-2] (`input = encodedInput[i]` after each step);
//    predict(T) uses 0.1 for T <= 0.
async function runCharRnn(opt) {
  const length = positiveInt(opt, 'length');
  const temperature = finiteNumber(opt, 'temperature');
  const randomSeed = finiteNumber(opt, 'random-seed');
  const { ml5, tf, origin } = await setUp(opt.model, opt.backend);
  // No trailing slash: ml5 fetches `${path}/vocab.json` (CheckpointLoader adds its own '/').
  const rnn = ml5.charRNN(origin);
  await rnn.ready;
  const unknown = Array.from(opt.seed).filter((c) => !(c in rnn.vocab));
  if (unknown.length) throw new Error(`seed characters not in the model's vocabulary: ${JSON.stringify(unknown.join(''))}`);

  await rnn.generate({ seed: opt.seed, length: 1, temperature });
  const nextProbs = Float32Array.from(rnn.probabilities);

  await rnn.initCells();
  const nativeRandom = Math.random;
  const random = mulberry32(randomSeed);
  let draws = 0;
  Math.random = () => { draws += 1; return random(); };
  let result;
  const t0 = performance.now();
  try {
    result = await rnn.generate({ seed: opt.seed, length, temperature });
  } finally {
    Math.random = nativeRandom;
  }
  const generateMs = performance.now() - t0;

  fs.mkdirSync(opt.out, { recursive: true });
  const json = { sample: result.sample, vocab: rnn.vocab, seed: opt.seed, length, temperature, random_seed: randomSeed, random_draws: draws };
  const tmp = path.join(opt.out, `charrnn.json.tmp-${process.pid}`);
  fs.writeFileSync(tmp, JSON.stringify(json, null, 1) + '\n');
  fs.renameSync(tmp, path.join(opt.out, 'charrnn.json'));
  writeNpy(path.join(opt.out, 'next_probs.npy'), 'float32', [nextProbs.length], nextProbs);
  let sum = 0;
  for (const p of nextProbs) sum += p;
  return {
    command: 'charrnn', backend: tf.getBackend(), ...versions(ml5), vocab_size: rnn.vocabSize,
    sample_chars: Array.from(result.sample).length, random_draws: draws, next_probs_sum: sum,
    generate_ms: round3(generateMs), outputs: ['charrnn.json', 'next_probs.npy'],
  };
}

// ------------------------------------------------------------------------------------------
// cvae: ml5.CVAE(manifest).generate(label), with the latent vector from --latent.
//
// ml5's code: the manifest (axios), the model (tf.loadLayersModel), generate() and
// generateInternal(): its label vector (labels.length + 1 zeros, a 1 at
// labels.indexOf(label) + 1), model.predict([latent, labelVector]), the reshape to
// [28,28,1], tf.browser.toPixels, the canvas and its blob.
// Replaced: the latent. generateInternal draws it with tf.randomUniform([1,16]) inside its
// tidy, which no API reaches, so the instance's model.predict is wrapped to pass z instead
// of ml5's draw (and the label vector ml5 built is passed on unchanged and recorded).
// Captured: cvae.npy = the model's output as ml5 reshapes it (float32 [28,28,1]);
// cvae_bytes.npy = channel 0 of the `raws` generate() returns, i.e. what tf.browser.toPixels
// gave (Math.round(255 * v), the same in R, G and B).
async function runCvae(opt) {
  const z = readNpy(opt.latent);
  if (z.dtype !== 'float32' || z.data.length !== 16) throw new Error(`${opt.latent}: expected float32 [1,16], got ${z.dtype} [${z.shape}]`);
  const manifest = path.resolve(opt.model);
  const { ml5, tf, origin } = await setUp(path.dirname(manifest), opt.backend);
  const cvae = await new Promise((resolve, reject) => {
    const instance = ml5.CVAE(`${origin}/${path.basename(manifest)}`, (err) => (err ? reject(err) : resolve(instance)));
  });
  if (!cvae.labels.includes(opt.label)) throw new Error(`label '${opt.label}' is not one of the model's: ${cvae.labels.join(', ')}`);

  const captured = {};
  const predict = cvae.model.predict;
  cvae.model.predict = function predictWithLatent(inputs, ...rest) {
    const [ml5Latent, labelTensor] = inputs;
    captured.ml5LatentShape = ml5Latent.shape.slice();
    captured.labelVector = Array.from(labelTensor.dataSync());
    const out = predict.call(this, [tf.tensor2d(z.data, [1, 16]), labelTensor], ...rest);
    captured.output = { shape: out.shape.slice(), values: out.dataSync().slice() };
    return out;
  };
  const result = await cvae.generate(opt.label);
  const out = captured.output;
  if (!out || out.values.length !== 28 * 28) throw new Error(`unexpected CVAE output shape [${out && out.shape}]`);
  const bytes = new Uint8Array(28 * 28);
  for (let i = 0; i < 28 * 28; i++) bytes[i] = result.raws[4 * i];

  fs.mkdirSync(opt.out, { recursive: true });
  writeNpy(path.join(opt.out, 'cvae.npy'), 'float32', [28, 28, 1], out.values);
  writeNpyUint8(path.join(opt.out, 'cvae_bytes.npy'), [28, 28], bytes);
  let lo = Infinity, hi = -Infinity;
  for (const v of out.values) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return {
    command: 'cvae', backend: tf.getBackend(), ...versions(ml5), label: opt.label,
    label_index: captured.labelVector.indexOf(1), label_vector_length: captured.labelVector.length,
    model_output_shape: out.shape, min: lo, max: hi, outputs: ['cvae.npy', 'cvae_bytes.npy'],
  };
}

// ------------------------------------------------------------------------------------------
// Benchmarks: ml5's public calls, timed with performance.now(); one warm-up call, then
// --runs timed calls; the median is reported.

// A size x size test picture: smooth colour gradients with a pattern, deterministic.
function testPicture(size) {
  const rgb = new Uint8Array(3 * size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = 3 * (y * size + x);
      rgb[i] = Math.floor((255 * x) / (size - 1));
      rgb[i + 1] = Math.floor((255 * y) / (size - 1));
      rgb[i + 2] = Math.floor(127.5 + 127.5 * Math.sin((x + y) / 9));
    }
  }
  return rgb;
}

async function benchStyle(opt) {
  const size = positiveInt(opt, 'size', 256);
  const runs = positiveInt(opt, 'runs', 5);
  const { ml5, tf, origin } = await setUp(opt.model, opt.backend);
  if (opt['input-dtype'] === 'float32') registerFloatFromPixels(tf);
  const st = await ml5.styleTransfer(origin + '/');
  const input = rgbToImageData(testPicture(size), size, size);
  let t = performance.now();
  await st.transfer(input);
  const warmupMs = performance.now() - t;
  const times = [];
  for (let r = 0; r < runs; r++) {
    t = performance.now();
    await st.transfer(input);
    times.push(performance.now() - t);
  }
  return {
    command: 'bench-style', median_ms: round3(median(times)), runs, backend: tf.getBackend(), ...versions(ml5),
    input_dtype: opt['input-dtype'],
    size, warmup_ms: round3(warmupMs), times_ms: times.map(round3), node: process.version,
  };
}

async function benchCharRnn(opt) {
  const chars = positiveInt(opt, 'chars', 200);
  const runs = positiveInt(opt, 'runs', 3);
  const seed = opt.seed === undefined ? 'a' : opt.seed;  // 'a' is ml5's default seed
  const temperature = finiteNumber(opt, 'temperature', 0.5);
  const { ml5, tf, origin } = await setUp(opt.model, opt.backend);
  const rnn = ml5.charRNN(origin);
  await rnn.ready;
  Math.random = mulberry32(1);  // reproducible samples; the timing does not depend on them
  const generate = () => rnn.initCells().then(() => rnn.generate({ seed, length: chars, temperature }));
  let t = performance.now();
  await generate();
  const warmupMs = performance.now() - t;
  const times = [];
  for (let r = 0; r < runs; r++) {
    t = performance.now();
    await generate();
    times.push(performance.now() - t);
  }
  const med = median(times);
  return {
    command: 'bench-charrnn', median_ms: round3(med), runs, backend: tf.getBackend(), ...versions(ml5),
    chars, seed, lstm_steps: Array.from(seed).length + chars - 1, chars_per_s: round3(chars / (med / 1000)),
    warmup_ms: round3(warmupMs), times_ms: times.map(round3), node: process.version,
  };
}

// ------------------------------------------------------------------------------------------

const RUNNERS = { 'style': runStyle, 'charrnn': runCharRnn, 'cvae': runCvae, 'bench-style': benchStyle, 'bench-charrnn': benchCharRnn };

function fail(e) {
  const msg = e && e.message ? e.message : String(e && typeof e === 'object' ? JSON.stringify(e) : e);
  console.error(`ml5_oracle: ${msg}`);
  if (process.env.ML5_ORACLE_DEBUG && e && e.stack) console.error(e.stack);
  process.exit(1);
}

async function main() {
  const { command, opt } = parseArgs(process.argv.slice(2));
  // ml5 has promise chains nobody awaits (e.g. the CVAE constructor's manifest request).
  process.on('unhandledRejection', fail);
  const summary = await RUNNERS[command](opt);
  process.stdout.write(JSON.stringify(summary) + '\n');
  process.exit(0);  // the server and keep-alive connections would hold node open
}

// Run as a script; required (e.g. by a probe), it only lends its set-up.
if (require.main === module) main().catch(fail);
else module.exports = { setUp, mulberry32, canvasByDataUrl, captureDataSync, rgbToImageData, testPicture };
