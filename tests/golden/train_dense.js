#!/usr/bin/env node
// The TF.js reference for easel's trainer (src/learn/dense_network.cpp): builds a Sequential
// model of dense layers, sets its weights from .npy files, trains it with model.fit on the
// given examples in their order (shuffle off) and writes the weights it ends with, one .npy
// per kernel and bias, and the loss of each epoch.
//
//   node train_dense.js CONFIG.json
//
// CONFIG: {"inputs": 400,
//          "layers": [{"units": 32, "activation": "relu", "useBias": true,
//                      "kernel": "w0.npy", "bias": "b0.npy"}, ...],
//          "loss": "categoricalCrossentropy" | "meanSquaredError",
//          "optimizer": {"kind": "adam" | "sgd", "learningRate": 0.001},
//          "x": "x.npy", "y": "y.npy", "epochs": 2, "batchSize": 16, "out": "DIR"}
// Relative paths are taken from the config's folder. Writes DIR/kernel_K.npy,
// DIR/bias_K.npy (K from 0) and DIR/history.json ({"loss": [...]}).
// Exit codes: 0 ok, 2 bad arguments, 1 anything else (the message says what).
'use strict';

const fs = require('fs');
const path = require('path');
const { readNpy, writeNpy } = require('../npy');
const { readConfig, cpuTfjs, runMain } = require('./oracle_config');

async function main() {
  const { config, at } = readConfig('train_dense.js');
  const tf = await cpuTfjs();
  const tfl = require('@tensorflow/tfjs-layers');

  const tensorOf = (file) => {
    const a = readNpy(at(file));
    return tf.tensor(a.data, a.shape, 'float32');
  };

  const model = tfl.sequential();
  config.layers.forEach((l, k) => {
    model.add(tfl.layers.dense({
      units: l.units,
      activation: l.activation,
      useBias: l.useBias,
      inputShape: k === 0 ? [config.inputs] : undefined,
    }));
  });
  config.layers.forEach((l, k) => {
    const weights = [tensorOf(l.kernel)];
    if (l.useBias) weights.push(tensorOf(l.bias));
    model.layers[k].setWeights(weights);
  });
  const o = config.optimizer;
  const optimizer = o.kind === 'adam' ? tf.train.adam(o.learningRate) : tf.train.sgd(o.learningRate);
  model.compile({ optimizer, loss: config.loss });

  const history = await model.fit(tensorOf(config.x), tensorOf(config.y), {
    epochs: config.epochs,
    batchSize: config.batchSize,
    shuffle: false,
    verbose: 0,
  });

  const out = at(config.out);
  fs.mkdirSync(out, { recursive: true });
  for (let k = 0; k < model.layers.length; ++k) {
    const weights = model.layers[k].getWeights();
    const names = ['kernel', 'bias'];
    for (let w = 0; w < weights.length; ++w)
      writeNpy(path.join(out, `${names[w]}_${k}.npy`), 'float32', weights[w].shape, await weights[w].data());
  }
  fs.writeFileSync(path.join(out, 'history.json'), JSON.stringify({ loss: history.history.loss }));
}

runMain('train_dense.js', main);
