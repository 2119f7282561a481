#include "learn/trained_model.h"

#include "easel/error.h"

namespace easel::learn {

TrainedModel open_trained_model(const std::string& file, bool sounds, int threads) {
  TrainedClassifier head = TrainedClassifier::load(file);
  FeatureExtractor extractor = FeatureExtractor::create({.model = head.extractor(), .threads = threads});
  if (extractor.is_sound() != sounds)
    throw Error(ErrorCode::bad_input,
                "'" + file + "' was trained on " + (extractor.is_sound() ? "sounds" : extractor.is_pose() ? "poses" : "images") + ", not " +
                    (sounds ? "sounds." : "pictures."),
                sounds ? "Open it with ImageClassifier (easel classify or easel predict)." : "Open it with SoundClassifier (easel predict or easel listen).");
  if (extractor.checksum() != head.extractor_checksum() || extractor.length() != head.feature_length())
    throw Error(ErrorCode::bad_model, "'" + file + "' was trained on features of another version of '" + head.extractor() + "'.",
                "Train it again with this easel.");
  return {std::move(head), std::move(extractor)};
}

}  // namespace easel::learn
