// easel infer MODEL --input NAME=x.npy ... --output-dir DIR: runs any model on .npy tensors
// and writes one .npy per output, named after the output tensor. The same file names come
// out of tests/golden/run_tfjs.js, so the two can be compared file by file.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "commands.h"
#include "easel/error.h"
#include "easel/model.h"
#include "easel/npy.h"

namespace fs = std::filesystem;

namespace easel::cli {
namespace {

struct InferArgs {
  std::string model;
  std::vector<std::string> inputs;  // "NAME=FILE" or "FILE"
  std::string output_dir;
  int threads = 0;
  bool reference = false;
};

struct InputSpec {
  std::string name;  // empty: not given
  fs::path file;
};

std::string strip_zero(const std::string& name) {
  return name.size() > 2 && name.compare(name.size() - 2, 2, ":0") == 0 ? name.substr(0, name.size() - 2) : name;
}

std::string shape_text(const Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + "]";
}

std::string describe(const TensorInfo& t) { return t.name + " " + to_string(t.dtype) + " " + shape_text(t.shape); }

std::string list_inputs(const std::vector<TensorInfo>& infos) {
  std::string s;
  for (const auto& t : infos) s += (s.empty() ? "" : ", ") + describe(t);
  return s;
}

InputSpec parse_spec(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos) return {{}, text};
  if (eq == 0 || eq + 1 == text.size()) throw UsageError("--input '" + text + "' is not NAME=FILE.npy.", "Write --input image=photo.npy.");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

// Pairs the given files with the model's inputs, in inputs() order.
std::vector<InputSpec> match_inputs(const std::vector<TensorInfo>& infos, const std::vector<InputSpec>& given) {
  const std::string hint = "The model's inputs are: " + list_inputs(infos) + ".";
  if (infos.size() == 1 && given.size() == 1 && given[0].name.empty()) return {given[0]};
  std::map<std::size_t, InputSpec> matched;
  for (const auto& g : given) {
    if (g.name.empty())
      throw Error(ErrorCode::bad_input,
                  "'" + g.file.string() + "' has no input name, and the model has " + std::to_string(infos.size()) + " inputs.",
                  "Give each input as --input NAME=FILE.npy. " + hint);
    std::size_t k = 0;
    while (k < infos.size() && strip_zero(infos[k].name) != strip_zero(g.name)) ++k;
    if (k == infos.size()) throw Error(ErrorCode::bad_input, "The model has no input named '" + g.name + "'.", hint);
    if (matched.count(k)) throw Error(ErrorCode::bad_input, "Input '" + infos[k].name + "' is given twice.", hint);
    matched[k] = g;
  }
  std::vector<InputSpec> ordered;
  std::string missing;
  for (std::size_t k = 0; k < infos.size(); ++k) {
    if (matched.count(k)) ordered.push_back(matched[k]);
    else missing += (missing.empty() ? "'" : ", '") + infos[k].name + "'";
  }
  if (!missing.empty())
    throw Error(ErrorCode::bad_input, "Missing model input " + missing + ".", "Give it as --input NAME=FILE.npy. " + hint);
  return ordered;
}

Tensor read_input(const TensorInfo& info, const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    throw Error(ErrorCode::bad_input, "There is no input file '" + file.string() + "' (for input '" + info.name + "').",
                "Check the path; inputs are NumPy .npy files (numpy.save).");
  Tensor t = read_npy(file);
  bool shape_ok = t.shape().size() == info.shape.size();
  for (std::size_t i = 0; shape_ok && i < info.shape.size(); ++i) shape_ok = info.shape[i] < 0 || info.shape[i] == t.shape()[i];
  const bool dtype_ok = info.dtype == t.dtype();
  if (!shape_ok || !dtype_ok)
    throw Error(ErrorCode::bad_input,
                "Input '" + info.name + "' takes " + std::string(to_string(info.dtype)) + " " + shape_text(info.shape) + ", but '" +
                    file.string() + "' holds " + to_string(t.dtype()) + " " + to_string(t.shape()) + ".",
                "Save the array with that dtype and shape ('?' is any size).");
  return t;
}

// "MobilenetV1/heatmap_2/BiasAdd" -> "MobilenetV1_heatmap_2_BiasAdd.npy"; "node:1" -> "node_1.npy".
std::string output_file_name(const std::string& tensor_name) {
  std::string s = strip_zero(tensor_name);
  for (char& c : s)
    if (c == '/' || c == ':') c = '_';
  return s + ".npy";
}

void infer(const InferArgs& args) {
  if (args.threads < 0) throw UsageError("--threads must be 0 (all cores) or more.");
  std::vector<InputSpec> given;
  for (const auto& text : args.inputs) given.push_back(parse_spec(text));

  ModelOptions options;
  options.threads = args.threads;
  options.reference_kernels = args.reference;
  Model model = Model::load(args.model, options);
  const auto infos = model.inputs();
  const auto outs = model.outputs();

  const auto specs = match_inputs(infos, given);
  std::vector<Tensor> inputs;
  for (std::size_t k = 0; k < infos.size(); ++k) inputs.push_back(read_input(infos[k], specs[k].file));

  // Output file names must be distinct before anything is written.
  std::set<std::string> names;
  for (const auto& o : outs)
    if (!names.insert(output_file_name(o.name)).second)
      throw Error(ErrorCode::bad_model, "Two outputs of the model map to the file name '" + output_file_name(o.name) + "'.");

  std::printf("%s (%s, %s)\n", args.model.c_str(), model.format().c_str(), model.path().string().c_str());
  for (std::size_t k = 0; k < infos.size(); ++k)
    std::printf("  input  %s %s %s <- %s\n", infos[k].name.c_str(), to_string(inputs[k].dtype()), to_string(inputs[k].shape()).c_str(),
                specs[k].file.string().c_str());

  const auto start = std::chrono::steady_clock::now();
  std::vector<Tensor> results = model.run(inputs);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (results.size() != outs.size())
    throw Error(ErrorCode::internal,
                "The model returned " + std::to_string(results.size()) + " tensors for " + std::to_string(outs.size()) + " outputs.");

  const fs::path dir = args.output_dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw Error(ErrorCode::io_error, "Cannot create the output folder '" + dir.string() + "'" + (ec ? ": " + ec.message() : "") + ".");
  for (std::size_t k = 0; k < outs.size(); ++k) {
    const fs::path file = dir / output_file_name(outs[k].name);
    write_npy(file, results[k]);
    std::printf("  output %s %s %s -> %s\n", outs[k].name.c_str(), to_string(results[k].dtype()), to_string(results[k].shape()).c_str(),
                file.string().c_str());
  }
  std::printf("inference: %.1f ms (%s kernels%s)\n", ms, args.reference ? "reference" : "optimized",
              args.threads > 0 ? (", " + std::to_string(args.threads) + " thread(s)").c_str() : "");
}

}  // namespace

void add_infer_command(CLI::App& app) {
  auto args = std::make_shared<InferArgs>();
  auto cmd = app.add_subcommand("infer", "Run a model on .npy tensors and write each output as .npy");
  cmd->add_option("MODEL", args->model, "Model name, model.json or folder")->required();
  cmd->add_option("--input,-i", args->inputs, "NAME=FILE.npy, once per model input (NAME may be left out for a one-input model)")
      ->required()
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--output-dir,-o", args->output_dir, "Folder for the output .npy files (created if needed)")->required();
  cmd->add_option("--threads", args->threads, "Threads (0: all cores)");
  cmd->add_flag("--reference", args->reference, "Use the plain reference kernels (the test oracle)");
  cmd->callback([args] { infer(*args); });
}

}  // namespace easel::cli
