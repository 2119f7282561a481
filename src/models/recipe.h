// A model's recipe: how a task feeds it and reads it, as data. It comes from the manifest
// entry's "recipe" (or, for a Teachable Machine export opened by path, from the export's
// format), so a new model of a known kind is a manifest entry and no task code:
//
//   "recipe": {
//     "input": {"fit": "letterbox", "range": "bytes", ...},   // vision/recipe.h reads this
//     "decoder": "movenet-single",                             // the task's decoder, by name
//     "labels": {"file": "labels.txt"},                        // or {"model": NAME, "first": N},
//                                                              // {"names": [...]}, {"teachable_machine": "metadata.json"}
//     "run": "model_float32.tflite",                           // a file to run instead of the entry
//     ...                                                      // the decoder's own settings
//   }
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/model_store.h"

namespace easel::detail {

struct Recipe {
  std::string model;                // the model's name, for messages
  std::filesystem::path file;       // what to load: the entry, or the recipe's "run" file
  std::string decoder;              // the name the task looks up in its decoders
  std::vector<std::string> labels;  // class names, in output order
  nlohmann::json data;              // the whole recipe, for the task's and decoder's settings
};

// A task, in the words its errors use, and the decoders it has.
struct TaskKind {
  std::string id;                     // the manifest's "task": "object-detection"
  std::string one;                    // "an object detector"
  std::string many;                   // "Object detectors"
  std::string doing;                  // "object detection"
  std::vector<std::string> decoders;  // the names its recipes may give
};

// The recipe of the store model `model` for `task`, its files found (or pulled) and labels
// read. Throws Error(bad_input) when it is another task's model (naming the task's models)
// and Error(bad_model) when its recipe asks for a decoder the task has not.
Recipe load_task_recipe(const std::string& model, const TaskKind& task);
// The decoder check alone (for a recipe that comes from elsewhere).
void check_decoder(const Recipe& recipe, const TaskKind& task);

// The recipe of a store model, its labels read. Throws Error(bad_model) naming the model
// and field when it has none or it is malformed.
Recipe load_recipe(ModelStore& store, const ModelSpec& spec, const LocatedModel& located);

// The recipe of a Teachable Machine image export in `dir` (model.json + metadata.json).
Recipe teachable_machine_recipe(const std::filesystem::path& dir);

// One label per line of a text file (trailing spaces and blank last lines dropped).
std::vector<std::string> read_label_lines(const std::filesystem::path& file);

}  // namespace easel::detail
