// What the TF.js peers of the benchmarks share: TF.js from tests/golden/node_modules
// (installed by scripts/setup.sh), the golden harness's IO handler that loads a model.json
// and its weight shards from disk, and the project's .npy reader.
'use strict';
const path = require('path');
const modules = path.join(__dirname, '..', 'tests', 'golden', 'node_modules');
const need = (m) => require(path.join(modules, m));
const {fileHandler} = require('../tests/golden/run_tfjs');
const {readNpy} = require('../tests/npy');

module.exports = {need, loadHandler: fileHandler, readNpy};
