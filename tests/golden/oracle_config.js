// What the config-driven oracles (train_dense.js, knn_oracle.js) share: reading the one
// argument, a JSON config whose relative paths are taken from its folder, starting TF.js on
// its cpu backend, and reporting a failure in one line.
'use strict';

const fs = require('fs');
const path = require('path');

// {config, at}: the parsed config and a function resolving a path in it. Exits 2 without one.
function readConfig(script) {
  if (process.argv.length !== 3) {
    process.stderr.write(`usage: node ${script} CONFIG.json\n`);
    process.exit(2);
  }
  const file = process.argv[2];
  return { config: JSON.parse(fs.readFileSync(file, 'utf8')), at: (p) => path.resolve(path.dirname(file), p) };
}

// TF.js core on its cpu backend, ready.
async function cpuTfjs() {
  const tf = require('@tensorflow/tfjs-core');
  require('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend('cpu'))) throw new Error('the TF.js cpu backend failed to start');
  await tf.ready();
  return tf;
}

// Runs main; a failure is one line on stderr and exit code 1.
function runMain(script, main) {
  main().catch((e) => {
    process.stderr.write(`${script}: ${e.message}\n`);
    process.exit(1);
  });
}

module.exports = { readConfig, cpuTfjs, runMain };
