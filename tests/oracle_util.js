// What the project's node oracles and benchmark peers share besides ./npy.js: handing a TF.js
// graph model on disk to a library as a tf.io.IOHandler, and the `--key value` command line.
// Used by tests/mediapipe_oracle/{face,hands,body}_oracle.js, tests/ml5_oracle/ml5_oracle.js
// and bench/tfjs_mediapipe.js. Plain node (fs, path), no packages.
'use strict';

const fs = require('fs');
const path = require('path');

// A bad command line (or a bad input named on it): the caller decides the exit code.
class UsageError extends Error {}

// ---- command line ----------------------------------------------------------------------------

// Parses `--key value ...` into {key: value} (keys without the '--'). Keys must be in
// spec.required or spec.optional; every spec.required key must be given. prefix starts every
// message (e.g. 'charrnn: '). Throws UsageError.
function parseOptions(argv, spec, prefix = '') {
  const required = spec.required || [];
  const known = [...required, ...(spec.optional || [])];
  const opt = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!argv[i].startsWith('--') || !known.includes(key)) throw new UsageError(`${prefix}unknown argument '${argv[i]}'`);
    if (i + 1 >= argv.length) throw new UsageError(`${prefix}'${argv[i]}' needs a value`);
    opt[key] = argv[i + 1];
  }
  for (const key of required) if (opt[key] === undefined) throw new UsageError(`${prefix}--${key} is required`);
  return opt;
}

// `node SCRIPT COMMAND --key value ...`: commands maps each COMMAND to its {required, optional}.
// Returns {command, opt}. Throws UsageError (an unknown COMMAND: a usage line naming them all).
function parseCommand(argv, commands, script) {
  const command = argv[0];
  if (!Object.prototype.hasOwnProperty.call(commands, command))
    throw new UsageError(`usage: node ${script} ${Object.keys(commands).join('|')} --key value ... (see the comment at the top)`);
  return { command, opt: parseOptions(argv.slice(1), commands[command], `${command}: `) };
}

// ---- TF.js graph models on disk --------------------------------------------------------------

// A model's .json: PATH itself when it is a file; for a folder, <folder name>.json, model.json
// or the folder's only .json file.
function resolveModelJson(p) {
  let st;
  try {
    st = fs.statSync(p);
  } catch (e) {
    throw new Error(`cannot read model '${p}': ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  if (!st.isDirectory()) return p;
  for (const name of [`${path.basename(path.resolve(p))}.json`, 'model.json']) {
    const f = path.join(p, name);
    if (fs.existsSync(f)) return f;
  }
  const jsons = fs.readdirSync(p).filter((f) => f.endsWith('.json'));
  if (jsons.length === 1) return path.join(p, jsons[0]);
  throw new Error(`model folder '${p}': no <folder>.json or model.json in it`);
}

// The parsed model.json of a graph model (a .json path or a folder, as resolveModelJson).
function readModelJson(p) {
  const jsonPath = resolveModelJson(p);
  let model;
  try {
    model = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read model '${jsonPath}': ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  if (!model.modelTopology || !Array.isArray(model.weightsManifest)) throw new Error(`'${jsonPath}' is not a TF.js model.json (no modelTopology/weightsManifest)`);
  return model;
}

// A tf.io.IOHandler for a graph model on disk (tfconv.loadGraphModel and the @tensorflow-models
// libraries' modelUrl options take `string | io.IOHandler`): the json and its weight shards (the
// weightsManifest paths, beside the json, concatenated) are read now, load() hands them over.
// transform(artifacts), when given, may edit artifacts.modelTopology / .signature in place
// first; what it returns is kept as handler.transformed. The handler also carries indexOf()
// answering -1: hand-pose-detection's load() asks url.indexOf('https://tfhub.dev') > -1.
function graphModelHandler(modelPath, transform) {
  const jsonPath = resolveModelJson(modelPath);
  const model = readModelJson(jsonPath);
  const weightSpecs = [];
  const buffers = [];
  for (const group of model.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(path.dirname(jsonPath), p)));
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const artifacts = { modelTopology: model.modelTopology, weightSpecs, weightData };
  for (const k of ['format', 'generatedBy', 'convertedBy', 'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature'])
    if (model[k] !== undefined) artifacts[k] = model[k];
  const transformed = transform ? transform(artifacts) : undefined;
  return { load: async () => artifacts, indexOf: () => -1, jsonPath, transformed };
}

module.exports = { UsageError, parseOptions, parseCommand, resolveModelJson, readModelJson, graphModelHandler };
