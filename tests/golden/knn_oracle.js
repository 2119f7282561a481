#!/usr/bin/env node
// The reference for easel's KnnClassifier: TF.js's knn-classifier (what ml5's KNNClassifier
// wraps), used as ml5 uses it (string labels become class indices in the order they first
// appear), on .npy examples.
//
//   node knn_oracle.js CONFIG.json
//
// CONFIG: {"examples": "x.npy", "labels": ["a", ...], "queries": "q.npy", "k": 3,
//          "load": "saved.json" (optional: start from an ml5 save instead of the examples),
//          "save": "out.json" (optional: write the classifier as ml5's save() does),
//          "out": "results.json"}
// Writes to "out" one result per query: {label, classIndex, confidencesByLabel}.
// Relative paths are taken from the config's folder.
'use strict';

const fs = require('fs');
const { readNpy } = require('../npy');
const { readConfig, cpuTfjs, runMain } = require('./oracle_config');

async function main() {
  const { config, at } = readConfig('knn_oracle.js');
  const tf = await cpuTfjs();
  const knnClassifier = require('@tensorflow-models/knn-classifier');

  const knn = knnClassifier.create();
  let labels = [];  // ml5's mapStringToIndex
  if (config.load) {
    // ml5's load(): labels from the dataset entries, values from the tensors' objects.
    const { dataset, tensors } = JSON.parse(fs.readFileSync(at(config.load), 'utf8'));
    labels = Object.keys(dataset).map((key) => dataset[key].label);
    const matrices = {};
    tensors.forEach((t, i) => {
      matrices[i] = tf.tensor(Object.keys(t).map((v) => t[v]), dataset[i].shape, dataset[i].dtype);
    });
    knn.setClassifierDataset(matrices);
  } else {
    const x = readNpy(at(config.examples));
    const d = x.shape[1];
    config.labels.forEach((label, i) => {
      if (!labels.includes(label)) labels.push(label);
      knn.addExample(tf.tensor(x.data.slice(i * d, (i + 1) * d)), labels.indexOf(label));
    });
  }

  if (config.save) {
    // ml5's save(): the dataset's tensors (with their labels) and their values.
    const dataset = knn.getClassifierDataset();
    Object.keys(dataset).forEach((key) => {
      if (labels[key]) dataset[key].label = labels[key];
    });
    const tensors = Object.keys(dataset).map((key) => dataset[key].dataSync());
    fs.writeFileSync(at(config.save), JSON.stringify({ dataset, tensors }));
  }

  const q = readNpy(at(config.queries));
  const d = q.shape[1];
  const results = [];
  for (let i = 0; i < q.shape[0]; ++i) {
    const r = await knn.predictClass(tf.tensor(q.data.slice(i * d, (i + 1) * d)), config.k);
    // After setClassifierDataset the classifier knows no class ids: the label is the key.
    const index = r.classIndex !== undefined ? r.classIndex : Number(r.label);
    const confidencesByLabel = {};
    Object.keys(r.confidences).forEach((key) => (confidencesByLabel[labels[key]] = r.confidences[key]));
    results.push({ label: labels[index], classIndex: index, confidencesByLabel });
  }
  fs.writeFileSync(at(config.out), JSON.stringify(results));
}

runMain('knn_oracle.js', main);
