// ml5's generative models in easel against ml5 0.12.2 itself, run under node on the same
// inputs (tests/ml5_oracle/ml5_oracle.js): style transfer within one grey level of ml5's
// pixels, charRNN's next-character probabilities within 1e-5 and the same text for the same
// seed, temperature and random numbers, the CVAE decoder within 1e-4 for the same latent
// point. Then the clear errors for bad requests and damaged checkpoints.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/char_rnn.h"
#include "easel/cvae.h"
#include "easel/error.h"
#include "easel/model.h"
#include "easel/npy.h"
#include "easel/style_transfer.h"
#include "generative/generative_common.h"
#include "golden_util.h"
#include "test_util.h"

namespace fs = std::filesystem;

namespace easel {
namespace {

fs::path oracle_script() { return fs::path(EASEL_SOURCE_DIR) / "tests" / "ml5_oracle" / "ml5_oracle.js"; }
fs::path models() { return test::shared_dir() / "models"; }

// Empty when ml5 can run here; otherwise why not.
std::string ml5_missing() {
  if (!fs::exists(oracle_script().parent_path() / "node_modules" / "ml5" / "package.json"))
    return "ml5 0.12.2 is not installed in tests/ml5_oracle; run scripts/setup.sh";
  if (test::run("node --version").exit_code != 0) return "node is not on PATH";
  if (!fs::exists(models() / "ml5-style-transfer")) return "../shared/models has no ml5 models";
  return {};
}

#define EASEL_NEEDS_ML5()                                                   \
  do {                                                                      \
    if (const std::string why = ml5_missing(); !why.empty()) EASEL_SKIP_UNLESS_REQUIRED(why); \
  } while (0)

// Runs one oracle subcommand; its stdout's last line as JSON.
nlohmann::json ml5(const std::string& args) {
  const auto r = test::run("node " + test::shell_quote(oracle_script().string()) + " " + args + " 2>&1");
  if (r.exit_code != 0) throw Error(ErrorCode::internal, "ml5_oracle.js " + args + " failed: " + r.output);
  const auto end = r.output.find_last_not_of('\n');
  const auto start = r.output.rfind('\n', end);
  return nlohmann::json::parse(r.output.substr(start == std::string::npos ? 0 : start + 1));
}

Tensor image_tensor(const Image& image) {
  Tensor t(DType::u8, {image.height(), image.width(), 3});
  std::copy(image.data(), image.data() + t.size(), t.data<std::uint8_t>());
  return t;
}

// ml5's network in float, as a browser runs it (WebGL) and as TF.js's wasm backend does: the
// oracle's --input-dtype float32. On TF.js 1.7's cpu backend ml5 feeds tf.browser.fromPixels'
// int32 tensor to conv2d, which then keeps the first convolution's partial sums in int32
// (each one truncated): a quirk of that backend, up to ~110 grey levels away from the float
// network, that easel does not copy (tests/ml5_oracle/ml5_oracle.js says more).
TEST(Ml5StyleTransfer, PixelsWithinOneGreyLevelOfMl5) {
  EASEL_NEEDS_ML5();
  test::ScratchDir dir;
  // The photo at sizes that are multiples of 4 (where ml5's output is the input's size).
  for (const auto& [style, width, height] : {std::tuple<std::string, int, int>{"wave", 256, 300}, {"udnie", 128, 148}}) {
    const Image photo = test::photo("grace_hopper.bmp").resized(width, height);
    const fs::path out = dir / style;
    fs::create_directories(out);
    write_npy(out / "in.npy", image_tensor(photo));
    ml5("style --input-dtype float32 --model " + test::shell_quote((models() / "ml5-style-transfer" / style).string()) + " --image " +
        test::shell_quote((out / "in.npy").string()) + " --out " + test::shell_quote(out.string()));
    const Tensor want = read_npy(out / "style_bytes.npy");
    ASSERT_EQ(want.shape(), (Shape{height, width, 3}));
    const Image got = StyleTransfer::create({.style = style}).transfer(photo);
    int worst = 0, differing = 0;
    for (std::int64_t i = 0; i < want.size(); ++i) {
      const int d = std::abs(int(got.data()[i]) - int(want.data<std::uint8_t>()[i]));
      worst = std::max(worst, d);
      differing += d != 0;
    }
    EXPECT_LE(worst, 1) << style << ": " << differing << " of " << want.size() << " values differ";
    std::printf("[ style %s at %dx%d: largest difference %d grey level(s), %d of %lld values differ ]\n", style.c_str(), width, height, worst,
                differing, static_cast<long long>(want.size()));
  }
}

TEST(Ml5StyleTransfer, NineStylesEachPaintDifferently) {
  if (!fs::exists(models() / "ml5-style-transfer")) EASEL_SKIP_UNLESS_REQUIRED("../shared/models has no ml5 style transfer");
  const auto styles = StyleTransfer::styles();
  ASSERT_EQ(styles, (std::vector<std::string>{"la_muse", "mathura", "matilde_perez", "matta", "rain_princess", "scream", "udnie", "wave", "wreck"}));
  const Image photo = test::photo("grace_hopper.bmp").resized(96, 112);
  std::vector<Image> painted;
  for (const auto& s : styles) {
    painted.push_back(StyleTransfer::create({.style = s}).transfer(photo));
    EXPECT_EQ(painted.back().width(), 96);
    EXPECT_EQ(painted.back().height(), 112);
  }
  auto mean_difference = [](const Image& a, const Image& b) {
    double sum = 0;
    for (int i = 0; i < a.width() * a.height() * 3; ++i) sum += std::abs(int(a.data()[i]) - int(b.data()[i]));
    return sum / (a.width() * a.height() * 3);
  };
  for (std::size_t i = 0; i < painted.size(); ++i) {
    EXPECT_GT(mean_difference(painted[i], photo), 10) << styles[i] << " hardly changed the photo";
    for (std::size_t j = i + 1; j < painted.size(); ++j)
      EXPECT_GT(mean_difference(painted[i], painted[j]), 5) << styles[i] << " and " << styles[j] << " look alike";
  }
  // An odd size comes back at its own size; max_size paints a smaller copy.
  const Image odd = test::photo("grace_hopper.bmp").resized(101, 77);
  EXPECT_EQ(StyleTransfer::create().transfer(odd).width(), 101);
  const Image quick = StyleTransfer::create({.max_size = 64}).transfer(photo);
  EXPECT_EQ(quick.height(), 112);
  EXPECT_LT(mean_difference(quick, painted[7]), 40) << "max_size changed the wave painting beyond recognition";
}

std::vector<float> ml5_probabilities(const std::string& model, const std::string& seed, float temperature, nlohmann::json* summary,
                                     const fs::path& dir, int length, std::uint32_t random_seed) {
  *summary = ml5("charrnn --model " + test::shell_quote((models() / model).string()) + " --seed " + test::shell_quote(seed) + " --length " +
                 std::to_string(length) + " --temperature " + std::to_string(temperature) + " --random-seed " + std::to_string(random_seed) +
                 " --out " + test::shell_quote(dir.string()));
  *summary = nlohmann::json::parse(test::slurp(dir / "charrnn.json"));
  const Tensor p = read_npy(dir / "next_probs.npy");
  return {p.data<float>(), p.data<float>() + p.size()};
}

TEST(Ml5CharRnn, ProbabilitiesAndTextAsMl5) {
  EASEL_NEEDS_ML5();
  struct Case {
    const char* folder;
    const char* store_name;
    std::string seed;
    float temperature;
    std::uint32_t random_seed;
  };
  for (const Case& c : {Case{"ml5-charrnn-shakespeare", "charrnn-shakespeare", "ROMEO:\nWhat light", 0.5f, 1},
                        Case{"ml5-charrnn-shakespeare", "charrnn-shakespeare", "First Citizen:", 1.0f, 2024},
                        Case{"ml5-charrnn-bolano", "charrnn-bolano", "La noche en Santa Teresa", 0.7f, 7}}) {
    test::ScratchDir dir;
    nlohmann::json summary;
    const std::vector<float> want = ml5_probabilities(c.folder, c.seed, c.temperature, &summary, dir.path(), 120, c.random_seed);
    CharRnn rnn = CharRnn::create({.model = c.store_name});
    rnn.feed(c.seed);
    const CharPrediction got = rnn.predict(c.temperature);
    ASSERT_EQ(got.probabilities.size(), want.size()) << c.folder;
    double worst = 0;
    for (std::size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::fabs(double(got.probabilities[i].probability) - want[i]));
    EXPECT_LT(worst, 1e-5) << c.folder << " after \"" << c.seed << "\"";
    // The same text for the same seed, temperature and random numbers.
    rnn.set_random_seed(c.random_seed);
    const std::string text = rnn.generate({.seed = c.seed, .length = 120, .temperature = c.temperature});
    EXPECT_EQ(text, summary["sample"].get<std::string>()) << c.folder;
    std::printf("[ %s, seed \"%s\", t %.1f: largest probability difference %.2g; the same %zu bytes of text as ml5 ]\n", c.folder,
                c.seed.c_str(), c.temperature, worst, text.size());
  }
}

TEST(Ml5CharRnn, ReferenceKernelsAgree) {
  if (!fs::exists(models() / "ml5-charrnn-shakespeare")) EASEL_SKIP_UNLESS_REQUIRED("../shared/models has no ml5 charRNN");
  CharRnn fast = CharRnn::create({.random_seed = 5});
  CharRnn plain = CharRnn::create({.random_seed = 5, .reference_kernels = true});
  EXPECT_EQ(fast.generate({.seed = "KING:", .length = 80}), plain.generate({.seed = "KING:", .length = 80}));
}

TEST(Ml5Cvae, DecoderWithinTolerance) {
  EASEL_NEEDS_ML5();
  test::ScratchDir dir;
  Cvae cvae = Cvae::create({.random_seed = 11});
  ASSERT_EQ(cvae.labels().size(), 50u);
  ASSERT_EQ(cvae.latent_size(), 16);
  detail::Mulberry32 random(99);
  for (const std::string label : {"lion", "moon", "airplane"}) {
    std::vector<float> z(16);
    for (float& v : z) v = static_cast<float>(random.next());
    write_npy(dir / "z.npy", Tensor::from<float>({1, 16}, z));
    ml5("cvae --model " + test::shell_quote((models() / "ml5-cvae-quickdraw" / "manifest.json").string()) + " --label " + label + " --latent " +
        test::shell_quote((dir / "z.npy").string()) + " --out " + test::shell_quote(dir.path().string()));
    const Tensor want = read_npy(dir / "cvae.npy");
    std::vector<float> weights(cvae.labels().size(), 0.0f);
    weights[static_cast<std::size_t>(std::find(cvae.labels().begin(), cvae.labels().end(), label) - cvae.labels().begin())] = 1;
    const std::vector<float> got = cvae.decode(z, weights);
    ASSERT_EQ(static_cast<std::int64_t>(got.size()), want.size());
    double worst = 0;
    for (std::size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(double(got[i]) - want.data<float>()[i]));
    EXPECT_LT(worst, 1e-4) << label;
    const Tensor bytes = read_npy(dir / "cvae_bytes.npy");
    const Image sketch = cvae.generate(label, z);
    int off = 0;
    for (std::int64_t i = 0; i < bytes.size(); ++i) off = std::max(off, std::abs(int(sketch.data()[3 * i]) - int(bytes.data<std::uint8_t>()[i])));
    EXPECT_LE(off, 1) << label;
  }
}

TEST(Ml5Cvae, SketchesRepeatWithTheSeedAndWalkBetweenLabels) {
  if (!fs::exists(models() / "ml5-cvae-quickdraw")) EASEL_SKIP_UNLESS_REQUIRED("../shared/models has no ml5 CVAE");
  Cvae a = Cvae::create({.random_seed = 3}), b = Cvae::create({.random_seed = 3});
  const Image one = a.generate("owl"), two = b.generate("owl");
  ASSERT_EQ(one.width(), 28);
  EXPECT_TRUE(std::equal(one.data(), one.data() + 28 * 28 * 3, two.data()));
  int ink = 0;
  for (int i = 0; i < 28 * 28; ++i) ink += one.data()[3 * i] > 128;
  EXPECT_GT(ink, 20) << "an owl sketch with almost no strokes";
  EXPECT_LT(ink, 28 * 28 / 2) << "an owl sketch that is mostly ink";
  const auto frames = a.walk("apple", "moon", 5);
  ASSERT_EQ(frames.size(), 5u);
  // The walk's ends are the two labels' sketches at its ends' latent points: the middle
  // differs from both.
  auto differ = [](const Image& x, const Image& y) {
    int n = 0;
    for (int i = 0; i < 28 * 28 * 3; ++i) n += std::abs(int(x.data()[i]) - int(y.data()[i])) > 40;
    return n;
  };
  EXPECT_GT(differ(frames[0], frames[4]), 30);
  EXPECT_GT(differ(frames[0], frames[2]), 0);
  EXPECT_GT(differ(frames[2], frames[4]), 0);
}

std::string error_of(const std::function<void()>& f, ErrorCode code) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what() + std::string(" ") + e.hint();
  }
  ADD_FAILURE() << "no error";
  return {};
}

TEST(Ml5Generative, BadRequestsGetClearErrors) {
  if (!fs::exists(models() / "ml5-charrnn-shakespeare")) EASEL_SKIP_UNLESS_REQUIRED("../shared/models has no ml5 models");
  EXPECT_NE(error_of([] { StyleTransfer::create({.style = "monet"}); }, ErrorCode::bad_input).find("la_muse, mathura"), std::string::npos);
  EXPECT_NE(error_of([] { Cvae::create().generate("unicorn"); }, ErrorCode::bad_input).find("'unicorn'"), std::string::npos);
  CharRnn rnn = CharRnn::create();
  EXPECT_NE(error_of([&] { rnn.generate({.seed = ""}); }, ErrorCode::bad_input).find("seed is empty"), std::string::npos);
  EXPECT_NE(error_of([&] { rnn.generate({.seed = "caf\xc3\xa9"}); }, ErrorCode::bad_input).find("'\xc3\xa9'"), std::string::npos);
  EXPECT_NE(error_of([&] { rnn.generate({.seed = "The ", .temperature = 0}); }, ErrorCode::bad_input).find("more than 0"), std::string::npos);
  EXPECT_NE(error_of([&] { rnn.generate({.seed = "The ", .temperature = -1}); }, ErrorCode::bad_input).find("more than 0"), std::string::npos);
  EXPECT_NE(error_of([&] { CharRnn::create().predict(); }, ErrorCode::bad_input).find("feed()"), std::string::npos);
}

// A damaged or hostile checkpoint: refused naming the manifest, before reading past it.
TEST(Ml5Checkpoint, DamagedCheckpointsAreRefusedByName) {
  if (!fs::exists(models() / "ml5-charrnn-shakespeare")) EASEL_SKIP_UNLESS_REQUIRED("../shared/models has no ml5 models");
  test::ScratchDir dir;
  const fs::path source = models() / "ml5-charrnn-shakespeare";
  auto copy = [&](const std::string& name) {
    const fs::path d = dir / name;
    fs::create_directories(d);
    for (const auto& e : fs::directory_iterator(source)) fs::copy_file(e.path(), d / e.path().filename());
    return d;
  };
  auto edit_manifest = [](const fs::path& d, const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json m = nlohmann::json::parse(test::slurp(d / "manifest.json"));
    edit(m);
    test::write(d / "manifest.json", m.dump());
  };
  const std::string softmax = "rnnlm/softmax_w";
  {
    const fs::path d = copy("escape");
    edit_manifest(d, [&](nlohmann::json& m) { m[softmax]["filename"] = "../../../etc/passwd"; });
    const std::string e = test::refusal([&] { Model::load((d / "manifest.json").string()); }, ErrorCode::bad_model, d / "manifest.json");
    EXPECT_NE(e.find("must be a file name in the manifest's folder"), std::string::npos) << e;
  }
  {
    const fs::path d = copy("short");
    fs::resize_file(d / "rnnlm_softmax_w", 1000);
    const std::string e = test::refusal([&] { Model::load((d / "manifest.json").string()); }, ErrorCode::bad_model, d / "manifest.json");
    EXPECT_NE(e.find("has 1000 bytes, but shape [128,65] needs 33280"), std::string::npos) << e;
  }
  {
    const fs::path d = copy("huge");
    edit_manifest(d, [&](nlohmann::json& m) { m[softmax]["shape"] = {1 << 20, 1 << 20}; });
    test::refusal([&] { Model::load((d / "manifest.json").string()); }, ErrorCode::bad_model, d / "manifest.json");
  }
  {
    const fs::path d = copy("no_bias");
    edit_manifest(d, [&](nlohmann::json& m) { m.erase("rnnlm/multi_rnn_cell/cell_1/basic_lstm_cell/biases"); });
    const std::string e = test::refusal([&] { Model::load((d / "manifest.json").string()); }, ErrorCode::bad_model, d / "manifest.json");
    EXPECT_NE(e.find("no bias"), std::string::npos) << e;
  }
  {
    const fs::path d = copy("wrong_width");
    edit_manifest(d, [&](nlohmann::json& m) {
      m["rnnlm/multi_rnn_cell/cell_1/basic_lstm_cell/weights"]["shape"] = {512, 256};
    });
    const std::string e = test::refusal([&] { Model::load((d / "manifest.json").string()); }, ErrorCode::bad_model, d / "manifest.json");
    EXPECT_NE(e.find("cell_1"), std::string::npos) << e;
  }
  {
    const fs::path d = copy("unknown");
    edit_manifest(d, [&](nlohmann::json& m) {
      nlohmann::json only;
      only["embedding"] = m["embedding"];
      m = only;
    });
    const std::string e = test::refusal([&] { Model::load((d / "manifest.json").string()); }, ErrorCode::bad_model, d / "manifest.json");
    EXPECT_NE(e.find("does not know the network"), std::string::npos) << e;
  }
  {
    // A name of a million digits: std::regex's recursion once overflowed the stack on it.
    const fs::path d = copy("long_name");
    edit_manifest(d, [&](nlohmann::json& m) {
      const std::string key = "rnnlm/multi_rnn_cell/cell_1/basic_lstm_cell/weights";
      m["rnnlm/cell_" + std::string(1000000, '9') + "/weights"] = m[key];
      m.erase(key);
    });
    const std::string e = test::refusal([&] { Model::load((d / "manifest.json").string()); }, ErrorCode::bad_model, d / "manifest.json");
    EXPECT_NE(e.find("layer 1 is missing"), std::string::npos) << e.substr(0, 300);
  }
  {
    const fs::path d = copy("vocab");
    test::write(d / "vocab.json", R"({"a": 0, "b": 0})");
    const std::string e = error_of([&] { CharRnn::create({.model = d.string()}); }, ErrorCode::bad_model);
    EXPECT_NE(e.find("vocab.json"), std::string::npos) << e;
  }
}

}  // namespace
}  // namespace easel
