// What the TF.js peers of the benchmarks share: TF.js from tests/golden/node_modules
// (installed by scripts/setup.sh), and an IO handler that loads a model.json and its weight
// shards from disk (node has no fetch for file paths in TF.js 4).
'use strict';
const fs = require('fs');
const path = require('path');
const modules = path.join(__dirname, '..', 'tests', 'golden', 'node_modules');
const need = (m) => require(path.join(modules, m));

function loadHandler(modelJson) {
  return {
    load: async () => {
      const spec = JSON.parse(fs.readFileSync(modelJson, 'utf8'));
      const dir = path.dirname(modelJson);
      const weightSpecs = [];
      const buffers = [];
      for (const group of spec.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
      }
      const all = Buffer.concat(buffers);
      return {
        modelTopology: spec.modelTopology, format: spec.format, generatedBy: spec.generatedBy, convertedBy: spec.convertedBy,
        signature: spec.signature, userDefinedMetadata: spec.userDefinedMetadata, modelInitializer: spec.modelInitializer,
        weightSpecs, weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      };
    },
  };
}

module.exports = {need, loadHandler};
