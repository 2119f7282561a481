#!/usr/bin/env node
// The TF.js reference for easel's golden tests: runs a TF.js graph or layers model with
// the official TF.js kernels (tfjs-backend-cpu, or wasm) on .npy inputs and writes one
// .npy per output, named exactly as `easel infer` names them.
//
//   node run_tfjs.js --model PATH/model.json --input NAME=x.npy ... --out DIR [--backend cpu|wasm]
//                    [--layer NAME]
//
// MODEL: a model.json (graph or layers model) or the folder holding one. Inputs are matched
// by name, with or without a ":0" suffix; a model with one input may omit "NAME=".
// Output files: graph models name an output after its tensor ("node" for output 0 of a
// node, "node:k" for output k > 0; the signature's outputs when the model has one, else
// the graph's sink nodes, as TF.js picks them), layers models after the model's output
// layer ("layer:k" for its output k > 0); '/' and ':' become '_'
// (so "MobilenetV1/heatmap_2/BiasAdd" -> MobilenetV1_heatmap_2_BiasAdd.npy).
// --layer NAME|INDEX (layers models): the output is that layer's (a nested model counts as
// a layer; a number is the index of a top-level layer), the model cut there; written under
// the layer's name.
// Everything is local: the model is read with fs through a custom IOHandler, never fetched.
// Exit codes: 0 ok, 2 bad arguments or inputs, 1 anything else (the message says what).
'use strict';

const fs = require('fs');
const path = require('path');

class UsageError extends Error {}

const USAGE =
  'usage: node run_tfjs.js --model PATH/model.json --input [NAME=]x.npy ... --out DIR [--backend cpu|wasm] [--layer NAME] [--quiet]';

function parseArgs(argv) {
  const args = { model: null, inputs: [], out: null, backend: 'cpu', layer: null, quiet: false };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--model') args.model = value();
    else if (a === '--input') {
      const v = value();
      const eq = v.indexOf('=');
      args.inputs.push(eq < 0 ? { name: null, file: v } : { name: v.slice(0, eq), file: v.slice(eq + 1) });
    } else if (a === '--out') args.out = value();
    else if (a === '--backend') args.backend = value();
    else if (a === '--layer') args.layer = value();
    else if (a === '--quiet') args.quiet = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    } else throw new UsageError(`unknown argument '${a}'`);
  }
  if (!args.model) throw new UsageError('--model is required');
  if (!args.out) throw new UsageError('--out is required');
  if (args.backend !== 'cpu' && args.backend !== 'wasm') throw new UsageError(`--backend must be cpu or wasm, not '${args.backend}'`);
  return args;
}

// ---- .npy: tests/npy.js, shared with the other oracles and the benchmarks ----------------

const { readNpy, writeNpy, NpyError } = require('../npy');

// ---- the model -------------------------------------------------------------------------

// An IOHandler that reads model.json and its weight shards from the local file system.
function fileHandler(modelJson) {
  return {
    load: async () => {
      const dir = path.dirname(modelJson);
      const doc = JSON.parse(fs.readFileSync(modelJson, 'utf8'));
      if (doc.modelTopology == null) throw new Error(`'${modelJson}' has no 'modelTopology'; it is not a TF.js model.json`);
      const weightSpecs = [];
      const shards = [];
      for (const group of doc.weightsManifest || []) {
        for (const p of group.paths) shards.push(fs.readFileSync(path.join(dir, p)));
        weightSpecs.push(...group.weights);
      }
      const all = Buffer.concat(shards);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
      const artifacts = { modelTopology: doc.modelTopology, weightSpecs, weightData };
      for (const key of ['format', 'generatedBy', 'convertedBy', 'signature', 'userDefinedMetadata', 'modelInitializer',
                         'initializerSignature', 'trainingConfig'])
        if (doc[key] !== undefined) artifacts[key] = doc[key];
      return artifacts;
    },
  };
}

function resolveModelJson(p) {
  if (!fs.existsSync(p)) throw new UsageError(`there is no model file '${p}'`);
  return fs.statSync(p).isDirectory() ? path.join(p, 'model.json') : p;
}

function isGraphModel(modelJson) {
  const doc = JSON.parse(fs.readFileSync(modelJson, 'utf8'));
  return doc.format === 'graph-model' || (doc.modelTopology != null && Array.isArray(doc.modelTopology.node));
}

const stripZero = (name) => (name.endsWith(':0') ? name.slice(0, -2) : name);
const sanitize = (name) => name.replace(/[/:]/g, '_');

// Pairs each --input with one of the model's inputs ({name, dtype, shape}).
function matchInputs(modelInputs, given) {
  const names = modelInputs.map((i) => i.name).join(', ');
  if (given.length === 1 && given[0].name === null && modelInputs.length === 1) return [{ info: modelInputs[0], file: given[0].file }];
  const matched = new Map();
  for (const g of given) {
    if (g.name === null)
      throw new UsageError(`the model has ${modelInputs.length} inputs (${names}); give each as --input NAME=x.npy`);
    const info = modelInputs.find((i) => stripZero(i.name) === stripZero(g.name));
    if (!info) throw new UsageError(`the model has no input '${g.name}'; its inputs are: ${names}`);
    if (matched.has(info.name)) throw new UsageError(`input '${info.name}' is given twice`);
    matched.set(info.name, { info, file: g.file });
  }
  const missing = modelInputs.filter((i) => !matched.has(i.name)).map((i) => i.name);
  if (missing.length) throw new UsageError(`missing input(s): ${missing.join(', ')}; the model's inputs are: ${names}`);
  return modelInputs.map((i) => matched.get(i.name));
}

function toTensor(tf, info, file) {
  const npy = readNpy(file);
  const want = info.dtype;
  if (info.shape) {
    const ok = info.shape.length === npy.shape.length && info.shape.every((d, k) => d == null || d < 0 || d === npy.shape[k]);
    if (!ok)
      throw new UsageError(`input '${info.name}' must have shape [${info.shape.map((d) => (d == null || d < 0 ? -1 : d))}], ` +
                           `but '${file}' has [${npy.shape}]`);
  }
  if (npy.dtype === 'uint8') {  // TF.js has no uint8: widen to what the model takes
    const t = tf.tensor(Int32Array.from(npy.data), npy.shape, 'int32');
    return want === 'float32' ? tf.cast(t, 'float32') : t;
  }
  if (want && want !== npy.dtype)
    throw new UsageError(`input '${info.name}' must be ${want}, but '${file}' holds ${npy.dtype}`);
  return tf.tensor(npy.data, npy.shape, npy.dtype);
}

// Normalises a TF dtype from a graph node ('DT_FLOAT' or 'float32') to a TF.js dtype.
function tfjsDtype(d) {
  if (d == null) return undefined;
  const map = { DT_FLOAT: 'float32', DT_INT32: 'int32', DT_BOOL: 'bool', float: 'float32' };
  return map[d] || d;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const modelJson = resolveModelJson(args.model);
  const graph = isGraphModel(modelJson);

  const tf = require('@tensorflow/tfjs-core');
  require('@tensorflow/tfjs-backend-cpu');
  if (args.backend === 'wasm') {
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), path.sep));
  }
  if (!(await tf.setBackend(args.backend))) throw new Error(`the TF.js ${args.backend} backend failed to start`);
  await tf.ready();
  tf.enableProdMode();

  let model, modelInputs, outputNames, run;
  if (graph) {
    const converter = require('@tensorflow/tfjs-converter');
    model = await converter.loadGraphModel(fileHandler(modelJson));
    modelInputs = model.inputs.map((i) => ({ name: i.name, dtype: tfjsDtype(i.dtype), shape: i.shape }));
    // Output tensors as "node" or "node:k": the signature's tensor names when there is one,
    // else the graph's sink nodes, exactly as TF.js picks them.
    const signature = model.artifacts && model.artifacts.signature;
    const fetches = signature && signature.outputs && Object.keys(signature.outputs).length
      ? Object.values(signature.outputs).map((o) => o.name)
      : model.outputNodes;
    outputNames = fetches.map(stripZero);
    run = (named) => {
      const r = model.execute(named, fetches);
      return Array.isArray(r) ? r : [r];
    };
  } else {
    const layers = require('@tensorflow/tfjs-layers');
    model = await layers.loadLayersModel(fileHandler(modelJson));
    if (args.layer) {
      // A name, or a number: the index of a top-level layer (nested models saved without a
      // name get one from a counter at load time).
      const layer = /^[0-9]+$/.test(args.layer) ? model.layers[Number(args.layer)] : model.getLayer(args.layer);
      if (!layer) throw new UsageError(`the model has no layer ${args.layer}`);
      model = layers.model({ inputs: model.inputs, outputs: layer.output, name: 'cut' });
    }
    // Inputs and outputs by layer name (a Sequential model's input layer is "<first layer>_input");
    // output k > 0 of a layer is "layer:k".
    modelInputs = model.inputs.map((t) => ({ name: t.sourceLayer.name, dtype: t.dtype, shape: t.shape }));
    outputNames = model.outputs.map((t) => (t.tensorIndex > 0 ? `${t.sourceLayer.name}:${t.tensorIndex}` : t.sourceLayer.name));
    run = (named) => {
      const r = model.predict(modelInputs.map((i) => named[i.name]));
      return Array.isArray(r) ? r : [r];
    };
  }

  const pairs = matchInputs(modelInputs, args.inputs);
  const named = {};
  for (const { info, file } of pairs) named[info.name] = toTensor(tf, info, file);

  const start = process.hrtime.bigint();
  const outputs = run(named);
  const values = await Promise.all(outputs.map((t) => t.data()));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (outputs.length !== outputNames.length)
    throw new Error(`the model returned ${outputs.length} outputs for ${outputNames.length} names`);

  fs.mkdirSync(args.out, { recursive: true });
  const seen = new Set();
  outputs.forEach((t, k) => {
    const file = sanitize(outputNames[k]) + '.npy';
    if (seen.has(file)) throw new Error(`two outputs map to the same file '${file}'`);
    seen.add(file);
    writeNpy(path.join(args.out, file), t.dtype, t.shape, values[k]);
    if (!args.quiet) console.log(`${outputNames[k]} ${t.dtype} [${t.shape}] -> ${file}`);
  });
  if (!args.quiet) console.log(`inference: ${ms.toFixed(1)} ms (tfjs ${tf.version_core}, ${args.backend} backend)`);
}

module.exports = { readNpy, writeNpy, sanitize, fileHandler };

if (require.main === module) {
  main().catch((e) => {
    const usage = e instanceof UsageError || e instanceof NpyError;  // bad arguments or inputs
    process.stderr.write(`run_tfjs: ${usage ? e.message : e.stack || e.message}\n`);
    if (usage) process.stderr.write(USAGE + '\n');
    process.exit(usage ? 2 : 1);
  });
}
