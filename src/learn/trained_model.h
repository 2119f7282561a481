// A MODEL.easel opened for a task: the trained head and the extractor it was trained on,
// checked to be the same version, and to hear sounds or see pictures as the task does.
// ImageClassifier and SoundClassifier open trained models through it.
#pragma once

#include <string>

#include "easel/feature_extractor.h"
#include "easel/training.h"

namespace easel::learn {

struct TrainedModel {
  TrainedClassifier head;
  FeatureExtractor extractor;
};

// `sounds`: the task hears sounds (SoundClassifier) or sees pictures, people included
// (ImageClassifier). Throws Error(bad_input) for a model of the other kind, Error(bad_model)
// for features of another version of its extractor.
TrainedModel open_trained_model(const std::string& file, bool sounds, int threads);

}  // namespace easel::learn
