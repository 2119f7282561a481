// fuzz_make_seeds CORPUS SOURCE_DIR MEDIA_DIR: the fuzzers' first inputs, one folder per
// target under CORPUS. Real files where they are small (the keyword model, the ml5 save,
// Teachable Machine's tiny export, a selfie segmenter), small ones written by easel's own
// writers (npy, photos, MODEL.easel, KNN, ml5 saves, ONNX models built in code), and the
// crashing inputs of issue 15 as regression cases. Model files come from where the model
// store finds them; a model that is not installed is skipped with a note. Nothing here is
// committed: the seeds are made on the machine that fuzzes (fuzz/run.sh).
#include <archive.h>
#include <archive_entry.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../tests/onnx_builder.h"
#include "easel/error.h"
#include "easel/image.h"
#include "easel/knn_classifier.h"
#include "easel/model_store.h"
#include "easel/neural_network.h"
#include "easel/npy.h"
#include "easel/training.h"
#include "core/zip_archive.h"
#include "studio/project_archive.h"
#include "studio/project_store.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path corpus;

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void seed(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::create_directories(corpus / target);
  std::ofstream(corpus / target / name, std::ios::binary) << bytes;
}

// Files joined as the multi-file targets read them: text parts ended by NUL, the last part raw.
std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += parts[i] + (i + 1 < parts.size() ? std::string(1, '\0') : "");
  return out;
}

// A TF.js model.json with its shards concatenated into the one weights.bin the target writes.
std::string tfjs_seed(const fs::path& model_json) {
  json m = json::parse(read(model_json));
  std::string weights;
  json all = json::array();
  for (const json& group : m.value("weightsManifest", json::array())) {
    for (const json& p : group["paths"]) weights += read(model_json.parent_path() / p.get<std::string>());
    for (const json& w : group["weights"]) all.push_back(w);
  }
  m["weightsManifest"] = json::array({{{"paths", {"weights.bin"}}, {"weights", all}}});
  return joined({m.dump(), weights});
}

std::optional<easel::LocatedModel> installed(easel::ModelStore& store, const std::string& name) {
  try {
    easel::LocatedModel found = store.find(name);
    if (found.location != easel::ModelLocation::none) return found;
  } catch (const easel::Error&) {
  }
  std::fprintf(stderr, "make_seeds: model '%s' is not installed; its seeds are skipped\n", name.c_str());
  return std::nullopt;
}

void npy_seeds() {
  const fs::path tmp = corpus / "npy.tmp";
  easel::Tensor a(easel::DType::f32, {2, 3});
  for (int i = 0; i < 6; ++i) a.data<float>()[i] = static_cast<float>(i) * 0.5f;
  easel::write_npy(tmp, a);
  seed("npy", "f32_2x3.npy", read(tmp));
  easel::write_npy(tmp, easel::test::random_tensor({1, 4, 4, 3}, 7));
  seed("npy", "f32_1x4x4x3.npy", read(tmp));
  fs::remove(tmp);
  // Issue 15's crashes and silent acceptances, as headers with no data behind them.
  const auto header = [](const std::string& dict) {
    std::string h = dict;
    while ((10 + h.size() + 1) % 64 != 0) h += ' ';
    h += '\n';
    const std::uint16_t n = static_cast<std::uint16_t>(h.size());
    return std::string("\x93NUMPY\x01\x00", 8) + std::string(reinterpret_cast<const char*>(&n), 2) + h;
  };
  seed("npy", "wrapping_shape.npy", header("{'descr': '<f4', 'fortran_order': False, 'shape': (2305843009213693952, 42), }"));
  seed("npy", "negative_shape.npy", header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 49, 10, 1), }"));
  seed("npy", "long_number.npy", header("{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::string(2000, '9') + ",), }"));
}

void image_seeds(const fs::path& media) {
  const easel::Image photo = easel::Image::load(media / "opencv" / "fruits.jpg");
  easel::Image small(24, 16);
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 24; ++x) {
      const std::uint8_t* p = photo.pixel(x * photo.width() / 24, y * photo.height() / 16);
      std::copy(p, p + 3, small.data() + (y * 24 + x) * 3);
    }
  for (const char* ext : {".png", ".jpg", ".bmp"}) {
    const fs::path tmp = corpus / (std::string("image.tmp") + ext);
    small.save(tmp);
    const std::string bytes = read(tmp);
    seed("image", std::string("fruits") + ext, bytes);
    if (std::string(ext) != ".bmp") seed("image", std::string("fruits_cut") + ext, bytes.substr(0, bytes.size() / 2));
    fs::remove(tmp);
  }
}

void model_seeds(easel::ModelStore& store, const fs::path& source) {
  if (auto kws = installed(store, "speech-commands")) {
    seed("tflite", "kws_float32.tflite", read(kws->dir / "kws_ref_model_float32.tflite"));
    seed("tflite", "kws_int8.tflite", read(kws->dir / "kws_ref_model.tflite"));
  }
  if (auto nn = installed(store, "ml5-neuralnetwork")) {
    seed("tfjs_model", "ml5_layers.bin", tfjs_seed(nn->entry()));
    seed("neural_network", "ml5_save.bin",
         joined({read(nn->entry()), read(nn->dir / "model_meta.json"), read(nn->dir / "model.weights.bin")}));
    // The same network as a Teachable Machine export would hold it, with labels.
    const std::string layers = tfjs_seed(nn->entry());
    const std::size_t nul = layers.find('\0');
    seed("teachable_machine", "layers_with_labels.bin",
         joined({layers.substr(0, nul),
                 R"({"tfjsVersion":"1.3.1","tmVersion":"2.4.5","packageName":"@teachablemachine/image","modelName":"tm-my-image-model","labels":["Class 1","Class 2"],"imageSize":224})",
                 layers.substr(nul + 1)}));
  }
  if (auto tm = installed(store, "tm-tiny-image-2021"))
    seed("teachable_machine", "tm_tiny.bin", joined({read(tm->entry()), read(tm->dir / "metadata.json"), read(tm->dir / "weights.bin")}));
  if (auto selfie = installed(store, "selfie")) {
    const std::string graph = tfjs_seed(selfie->entry());
    seed("tfjs_model", "selfie_graph.bin", graph);
    // Issue 15's first crash: a Placeholder of [1, 2^40, 2^40, 3].
    json m = json::parse(graph.substr(0, graph.find('\0')));
    for (json& node : m["modelTopology"]["node"])
      if (node.value("op", "") == "Placeholder")
        node["attr"]["shape"]["shape"]["dim"] = json::array({{{"size", "1"}}, {{"size", "1099511627776"}}, {{"size", "1099511627776"}}, {{"size", "3"}}});
    seed("tfjs_model", "huge_placeholder.bin", joined({m.dump(), graph.substr(graph.find('\0') + 1)}));
  }
  const std::string manifest = read(source / "src" / "models" / "manifest.json");
  seed("manifest", "builtin.json", manifest);
  json one = json::parse(manifest);
  one["models"] = json::array({one["models"][0]});
  seed("manifest", "one_model.json", one.dump(1));
}

void onnx_seeds() {
  using easel::test::Builder;
  const fs::path tmp = corpus / "onnx.tmp";
  {
    Builder b;
    b.input("x", {1, 3, 8, 8});
    auto* c = b.node("Conv", {"x", b.weights("w", {4, 3, 3, 3}), b.weights("bias", {4})}, {"c"});
    Builder::set(c, "pads", std::vector<std::int64_t>{1, 1, 1, 1});
    auto* m = b.node("MaxPool", {"c"}, {"m"});
    Builder::set(m, "kernel_shape", std::vector<std::int64_t>{2, 2});
    Builder::set(m, "strides", std::vector<std::int64_t>{2, 2});
    b.node("Relu", {"m"}, {"y"});
    b.output("y");
    seed("onnx", "conv_pool.onnx", read(b.save(tmp)));
  }
  {
    Builder b;
    b.input("x", {2, 6});
    b.node("Gemm", {"x", b.weights("w", {6, 3}), b.weights("bias", {3})}, {"g"});
    b.node("Sigmoid", {"g"}, {"s"});
    b.node("Reshape", {"s", b.ints("shape", {3, 2})}, {"r"});
    auto* t = b.node("Transpose", {"r"}, {"t"});
    Builder::set(t, "perm", std::vector<std::int64_t>{1, 0});
    b.node("Softmax", {"t"}, {"y"});
    b.output("y");
    seed("onnx", "gemm_reshape.onnx", read(b.save(tmp)));
  }
  {
    Builder b;
    b.input("x", {1, 4, 6, 8});
    auto* cat = b.node("Concat", {"x", "x"}, {"cat"});
    Builder::set(cat, "axis", std::int64_t{1});
    b.node("Slice", {"cat", b.ints("st", {1, 0}), b.ints("en", {7, 1000}), b.ints("ax", {1, 3}), b.ints("sp", {2, 2})}, {"sl"});
    auto* r = b.node("Resize", {"sl", "", b.floats("sc", {4}, {1, 1, 2, 2})}, {"y"});
    Builder::set(r, "mode", std::string("nearest"));
    b.output("y");
    seed("onnx", "concat_slice_resize.onnx", read(b.save(tmp)));
  }
  fs::remove(tmp);
}

void trained_seeds() {
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0, 0.3f);
  // MODEL.easel: a head trained on made-up features (the target frames header and payload).
  easel::Examples ex;
  ex.extractor = "mobilenet-embedding";
  ex.extractor_checksum = "0000";
  for (int i = 0; i < 12; ++i) {
    std::vector<float> v(8);
    for (int k = 0; k < 8; ++k) v[static_cast<std::size_t>(k)] = noise(rng) + (k == i % 3 ? 1.f : 0.f);
    ex.add(v, "class " + std::to_string(i % 3));
  }
  easel::TrainOptions options;
  options.epochs = 3;
  options.hidden_units = 4;
  const fs::path tmp = corpus / "model.tmp";
  easel::TrainedClassifier::train(ex, options).save(tmp);
  {
    const std::string file = read(tmp);
    std::uint64_t length = 0;
    std::memcpy(&length, file.data() + 12, 8);
    seed("model_file", "head.bin", joined({file.substr(20, length), file.substr(20 + length)}));
    seed("model_file", "framed.easel", file);
  }
  // A KNN classifier's save.
  easel::KnnClassifier knn;
  for (std::size_t i = 0; i < ex.size(); ++i) knn.add_example(ex.row(i), ex.labels[static_cast<std::size_t>(ex.classes[i])]);
  knn.save(tmp);
  seed("knn", "knn.json", read(tmp));
  fs::remove(tmp);
  // An ml5 save of easel's, and data files with the columns the target asks for.
  easel::NeuralNetwork nn;
  std::string csv = "x,y,label\n";
  json rows = json::array();
  for (int i = 0; i < 10; ++i) {
    const double x = i * 0.1, y = 1 - i * 0.07;
    const std::string label = i % 2 ? "left" : "right";
    nn.add_data({x, y}, label);
    csv += std::to_string(x) + "," + std::to_string(y) + "," + label + "\n";
    rows.push_back({{"xs", {{"x", x}, {"y", y}}}, {"ys", {{"label", label}}}});
  }
  nn.train({.epochs = 2});
  const fs::path folder = corpus / "nn.tmp";
  nn.save(folder);
  seed("neural_network", "easel_save.bin",
       joined({read(folder / "model.json"), read(folder / "model_meta.json"), read(folder / "model.weights.bin")}));
  fs::remove_all(folder);
  seed("neural_network", "data_csv.bin", joined({"", csv, ""}));
  seed("neural_network", "data_json.bin", joined({"", json{{"data", rows}}.dump(), ""}));
}

void zip_seeds() {
  const fs::path tmp = corpus / "zip.tmp";
  archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  archive_write_open_filename(a, tmp.c_str());
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"cats/one.txt", "a cat"}, {"dogs/two.txt", "a dog, twice as long"}, {"__MACOSX/cats/._one.txt", "metadata"}}) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(text.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, text.data(), text.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  seed("zip", "classes.zip", read(tmp));
  fs::remove(tmp);
}

// The studio's imports: a project zip of two classes with a tiny photo each (the store's
// own export), a Teachable Machine export zipped, and a MODEL.easel.
void studio_seeds(easel::ModelStore& store) {
  const fs::path root = corpus / "studio.tmp";
  easel::studio::ProjectStore projects(root);
  const auto info = projects.create("Seed", easel::MediaKind::image);
  std::vector<std::uint8_t> rgb(8 * 8 * 3, 200);
  easel::Image(8, 8, rgb.data()).save(root / "tiny.png");
  for (const auto& c : info.classes) projects.add_sample(info.id, c.id, read(root / "tiny.png"), "tiny.png");
  easel::studio::export_project(projects, info.id, root / "project.zip");
  seed("studio_import", "project.zip", read(root / "project.zip"));
  if (auto tm = installed(store, "tm-tiny-image-2021")) {
    easel::detail::write_zip(root / "tm.zip", tm->dir, [](const fs::path& p) {
      const std::string n = p.filename().string();
      return n == "model.json" || n == "metadata.json" || n == "weights.bin";
    });
    seed("studio_import", "teachable_machine.zip", read(root / "tm.zip"));
  }
  fs::remove_all(root);
  for (const auto& e : fs::directory_iterator(corpus / "model_file"))
    if (e.path().extension() == ".easel") seed("studio_import", "model.easel", read(e.path()));
}

// ml5 checkpoints written here, small: a one-layer charRNN (5 characters) and a style
// transfer network of 2 channels and 1x1 filters (its 48 variables, as ml5 names them).
void ml5_checkpoint_seeds() {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  auto input = [&](const std::vector<std::pair<std::string, std::vector<int>>>& vars, const std::string& vocab) {
    json manifest = json::object();
    std::map<std::string, std::string> bytes;  // by variable name: the order the fuzz target cuts the blob
    for (const auto& [name, shape] : vars) {
      std::string file = name;
      for (char& c : file) c = c == '/' ? '_' : c;
      manifest[name] = {{"filename", file}, {"shape", shape}};
      std::size_t n = 1;
      for (int d : shape) n *= static_cast<std::size_t>(d);
      std::vector<float> v(n);
      for (float& x : v) x = u(rng);
      bytes[name] = std::string(reinterpret_cast<const char*>(v.data()), n * sizeof(float));
    }
    std::string blob;
    for (const auto& [name, b] : bytes) blob += b;
    return joined({manifest.dump(), vocab, blob});
  };
  seed("ml5_checkpoint", "charrnn.bin",
       input({{"embedding", {5, 4}},
              {"rnnlm/multi_rnn_cell/cell_0/basic_lstm_cell/kernel", {7, 12}},
              {"rnnlm/multi_rnn_cell/cell_0/basic_lstm_cell/bias", {12}},
              {"rnnlm/softmax_w", {3, 5}},
              {"rnnlm/softmax_b", {5}}},
             R"({"a": 0, "b": 1, " ": 2, "\n": 3, "": 4})"));
  std::vector<std::pair<std::string, std::vector<int>>> style;
  auto layer = [&](int id, std::vector<int> filter) {
    style.push_back({id == 0 ? "Variable" : "Variable_" + std::to_string(id), filter});
    const int channels = filter[2 + (id == 39 || id == 42 ? 0 : 1)];
    style.push_back({"Variable_" + std::to_string(id + 1), {channels}});
    style.push_back({"Variable_" + std::to_string(id + 2), {channels}});
  };
  layer(0, {1, 1, 3, 2});
  layer(3, {1, 1, 2, 2});
  layer(6, {1, 1, 2, 2});
  for (int id = 9; id <= 33; id += 6) layer(id, {1, 1, 2, 2}), layer(id + 3, {1, 1, 2, 2});
  layer(39, {1, 1, 2, 2});
  layer(42, {1, 1, 2, 2});
  layer(45, {1, 1, 2, 3});
  seed("ml5_checkpoint", "style_transfer.bin", input(style, ""));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: fuzz_make_seeds CORPUS SOURCE_DIR MEDIA_DIR\n");
    return 2;
  }
  corpus = argv[1];
  fs::create_directories(corpus);
  try {
    easel::ModelStoreOptions options = easel::ModelStoreOptions::from_environment();
    options.offline = true;
    easel::ModelStore store(options);
    npy_seeds();
    image_seeds(argv[3]);
    model_seeds(store, argv[2]);
    onnx_seeds();
    trained_seeds();
    zip_seeds();
    studio_seeds(store);
    ml5_checkpoint_seeds();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
