// Damaged model files a user may be given (issue 15): a Teachable Machine export whose
// metadata has a label that is not text or an impossible imageSize, and a layers model whose
// config says use_bias false while its weights carry a bias. Each is refused naming the file
// (they were accepted in silence). A model whose plan would take more memory than easel allows
// is refused before it is taken.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

#include "easel/error.h"
#include "easel/image_classifier.h"
#include "easel/model.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace easel;

namespace {

// A copy of the official Teachable Machine export, to damage.
fs::path tm_copy(const fs::path& dir) {
  const fs::path from = test::shared_dir() / "models" / "tm-image-official-2019";
  fs::create_directories(dir);
  for (const char* f : {"model.json", "weights.bin", "metadata.json"}) fs::copy_file(from / f, dir / f);
  return dir;
}

std::string refusal(const fs::path& dir) {
  try {
    ImageClassifier::create({.model = dir.string()});
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::bad_model) << e.what();
    return e.what();
  }
  ADD_FAILURE() << dir << " was opened";
  return {};
}

}  // namespace

TEST(HostileModels, DamagedTeachableMachineExportsAreRefused) {
  if (!fs::exists(test::shared_dir() / "models" / "tm-image-official-2019" / "model.json"))
    EASEL_SKIP_UNLESS_REQUIRED("../shared/models/tm-image-official-2019 is not here");
  test::ScratchDir scratch;
  const auto damage_metadata = [&](const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
    const fs::path dir = tm_copy(scratch / name);
    nlohmann::json m = nlohmann::json::parse(test::slurp(dir / "metadata.json"));
    edit(m);
    test::write(dir / "metadata.json", m.dump());
    return dir;
  };
  EXPECT_NO_THROW(ImageClassifier::create({.model = tm_copy(scratch / "intact").string()}));
  std::string why = refusal(damage_metadata("label", [](nlohmann::json& m) { m["labels"][1] = 5; }));
  EXPECT_NE(why.find("not text"), std::string::npos) << why;
  EXPECT_NE(why.find("metadata.json"), std::string::npos) << why;
  why = refusal(damage_metadata("size", [](nlohmann::json& m) { m["imageSize"] = -5; }));
  EXPECT_NE(why.find("imageSize"), std::string::npos) << why;

  // The head's first Dense layer (which has a bias) told use_bias false.
  const fs::path dir = tm_copy(scratch / "bias");
  nlohmann::json model = nlohmann::json::parse(test::slurp(dir / "model.json"));
  bool edited = false;
  std::function<void(nlohmann::json&)> visit = [&](nlohmann::json& j) {
    if (edited) return;
    if (j.is_object() && j.value("class_name", "") == "Dense" && j["config"].value("use_bias", false)) {
      j["config"]["use_bias"] = false;
      edited = true;
      return;
    }
    if (j.is_object() || j.is_array())
      for (auto& v : j) visit(v);
  };
  visit(model["modelTopology"]);
  ASSERT_TRUE(edited);
  test::write(dir / "model.json", model.dump());
  try {
    Model::load((dir / "model.json").string());
    ADD_FAILURE() << "a layer with use_bias false and a bias loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::bad_model) << e.what();
    EXPECT_NE(std::string(e.what()).find("use_bias false"), std::string::npos) << e.what();
  }
}

// A 284-byte ONNX file (the fuzzer's) whose Resize scales a small input by 2^21: every
// tensor stays under the 2^30-element limit, but together they would take 5.3 GB. It took
// 11 GB and 34 s to load; the plan's memory limit (kMaxPlanBytes) refuses it at once.
TEST(HostileModels, APlanPastTheMemoryLimitIsRefusedBeforeTheMemoryIsTaken) {
  const fs::path file = fs::path(EASEL_SOURCE_DIR) / "fuzz" / "regressions" / "onnx" / "resize_past_the_memory_limit.onnx";
  const std::string why = test::refusal([&] { Model::load(file.string()); }, ErrorCode::bad_model, file);
  EXPECT_NE(why.find("more than 4 GiB of memory"), std::string::npos) << why;
  EXPECT_NE(why.find("kMaxPlanBytes"), std::string::npos) << why;
}
