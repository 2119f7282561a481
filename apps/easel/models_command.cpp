// easel models list | pull | verify | path | info, and the top-level `easel info`.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "easel/error.h"
#include "easel/model.h"
#include "easel/model_store.h"
#include "terminal.h"

namespace easel::cli {
namespace {

void progress(std::string_view message) { std::fprintf(messages(), "  %.*s\n", static_cast<int>(message.size()), message.data()); }

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20) out += ' ';
    else out += c;
  }
  return out;
}

std::string where(const LocatedModel& m) {
  if (m.location == ModelLocation::none) return "no";
  return std::string("yes (") + to_string(m.location) + ")";
}

void list_models(const ModelStore& store, bool json) {
  if (json) {
    std::cout << "[\n";
    const auto& models = store.models();
    for (size_t i = 0; i < models.size(); ++i) {
      const auto& m = models[i];
      LocatedModel at = store.find(m.name);
      std::cout << "  {\"name\": \"" << m.name << "\", \"task\": \"" << m.task << "\", \"format\": \"" << m.format
                << "\", \"size\": " << m.total_size() << ", \"license\": \"" << json_escape(m.license)
                << "\", \"offline\": " << (at.location != ModelLocation::none ? "true" : "false") << ", \"location\": \""
                << json_escape(at.dir.string()) << "\"}" << (i + 1 < models.size() ? "," : "") << "\n";
    }
    std::cout << "]\n";
    return;
  }
  std::printf("%-26s %-21s %-15s %9s  %-22s %s\n", "NAME", "TASK", "FORMAT", "SIZE", "LICENSE", "OFFLINE");
  int available = 0;
  for (const auto& m : store.models()) {
    LocatedModel at = store.find(m.name);
    available += at.location != ModelLocation::none;
    std::string license = m.license.size() > 22 ? m.license.substr(0, 19) + "..." : m.license;
    std::printf("%-26s %-21s %-15s %9s  %-22s %s\n", m.name.c_str(), m.task.c_str(), m.format.c_str(), human_size(m.total_size()).c_str(),
                license.c_str(), where(at).c_str());
  }
  std::printf("\n%zu models, %d available offline. `easel models pull NAME` fetches one; `easel info NAME` describes it.\n",
              store.models().size(), available);
}

// Parameters, FLOPs and working memory, counted from the graph easel would run.
void print_runtime_of(const std::filesystem::path& entry) {
  try {
    Model model = Model::load(entry.string());
    std::vector<Shape> shapes;
    std::string shown;
    for (const auto& in : model.inputs()) {
      Shape s = in.shape;
      // Free dimensions: batch 1, channels 3, spatial 256 (what `easel bench` uses too).
      for (size_t d = 0; d < s.size(); ++d)
        if (s[d] < 0) s[d] = d == 0 ? 1 : (s.size() == 4 && d == 3 ? 3 : 256);
      shown += (shown.empty() ? "" : " ") + to_string(s);
      shapes.push_back(s);
    }
    ModelStats st = model.stats(shapes);
    const std::string int8 = st.int8_ops > 0 ? std::to_string(st.int8_ops) + " on int8, " : "";
    std::printf("  runtime:  %lld parameters, %.3f GFLOPs per inference, %.1f MB working memory, %d ops (%s%d folded at load), input %s\n",
                static_cast<long long>(st.parameters), st.flops / 1e9, st.working_bytes / 1e6, st.ops, int8.c_str(), st.folded,
                shown.c_str());
  } catch (const Error& e) {
    std::printf("  runtime:  cannot run yet: %s\n", e.what());
  }
}

bool easel_runs(const std::string& format) {
  return format == "tfjs-graph" || format == "tfjs-layers" || format == "tflite" || format == "onnx";
}

void print_runtime(const ModelSpec& m, const LocatedModel& at) {
  if (!easel_runs(m.format)) return;
  if (at.location == ModelLocation::none) {
    std::printf("  runtime:  pull the model to see its parameters, FLOPs and working memory\n");
    return;
  }
  print_runtime_of(at.entry());
}

// `easel info FILE`: a model file that is not in the store (model.json, .tflite, .onnx).
void print_file_info(const std::filesystem::path& file) {
  Model model = Model::load(file.string());
  std::printf("%s\n  format:   %s\n", file.string().c_str(), model.format().c_str());
  auto print_tensors = [](const char* title, const std::vector<TensorInfo>& ts) {
    for (const auto& t : ts) {
      std::printf("  %s %s %s %s", title, t.name.c_str(), to_string(t.dtype), to_string(t.shape).c_str());
      if (t.scale > 0) std::printf(" (real = %g * (q - %d))", t.scale, t.zero_point);
      std::printf("\n");
    }
  };
  print_tensors("input: ", model.inputs());
  print_tensors("output:", model.outputs());
  print_runtime_of(model.path());
}

void print_info(ModelStore& store, const std::string& name) {
  const ModelSpec& m = store.spec(name);
  LocatedModel at = store.find(name);
  std::printf("%s: %s\n", m.name.c_str(), m.title.c_str());
  std::printf("  task:     %s\n  format:   %s\n  license:  %s\n  size:     %s in %zu file(s)\n", m.task.c_str(), m.format.c_str(),
              m.license.c_str(), human_size(m.total_size()).c_str(), m.files.size());
  std::printf("  entry:    %s\n", m.entry.c_str());
  if (!m.labels.empty()) std::printf("  labels:   %s\n", m.labels.c_str());
  std::printf("  offline:  %s%s%s\n", where(at).c_str(), at.dir.empty() ? "" : " at ", at.dir.string().c_str());
  auto print_tensors = [](const char* title, const std::vector<TensorInfo>& ts) {
    for (const auto& t : ts) {
      std::string shape;
      for (auto d : t.shape) {
        if (!shape.empty()) shape += ',';
        shape += d < 0 ? std::string("?") : std::to_string(d);
      }
      std::printf("  %s %s %s [%s]\n", title, t.name.c_str(), to_string(t.dtype), shape.c_str());
    }
  };
  print_tensors("input: ", m.inputs);
  print_tensors("output:", m.outputs);
  if (!m.contract.empty()) {
    std::printf("  contract:\n");
    size_t start = 0;
    while (start < m.contract.size()) {
      size_t end = m.contract.find('\n', start);
      if (end == std::string::npos) end = m.contract.size();
      std::printf("    %s\n", m.contract.substr(start, end - start).c_str());
      start = end + 1;
    }
  }
  std::printf("  sources (in order of preference):\n");
  for (const auto& s : m.sources) std::printf("    %-4s %s\n", s.type.c_str(), s.where.c_str());
  std::printf("  files:\n");
  for (const auto& f : m.files)
    std::printf("    %-44s %10llu  %s\n", f.path.c_str(), static_cast<unsigned long long>(f.size), f.sha256.c_str());
  print_runtime(m, at);
}

// Returns the number of models with problems.
int verify(const ModelStore& store, const std::vector<std::string>& names) {
  int bad = 0, checked = 0;
  std::vector<std::string> todo = names;
  if (todo.empty())
    for (const auto& m : store.models()) todo.push_back(m.name);
  for (const auto& name : todo) {
    VerifyResult r = store.verify(name);
    if (r.location == ModelLocation::none) {
      if (!names.empty()) {
        std::printf("%-26s not available (run `easel models pull %s`)\n", name.c_str(), name.c_str());
        ++bad;
      }
      continue;
    }
    ++checked;
    if (r.problems.empty()) {
      std::printf("%-26s ok (%zu files, %s)\n", name.c_str(), r.spec->files.size(), r.dir.string().c_str());
      continue;
    }
    ++bad;
    std::printf("%-26s FAILED in %s\n", name.c_str(), r.dir.string().c_str());
    for (const auto& p : r.problems) {
      std::printf("    %s: %s\n", p.path.string().c_str(), p.problem.c_str());
      if (!p.actual_sha256.empty())
        std::printf("      expected sha256 %s\n      actual   sha256 %s\n", p.expected_sha256.c_str(), p.actual_sha256.c_str());
    }
    std::printf("    fix: easel models pull %s\n", name.c_str());
  }
  std::printf("%d model(s) checked, %d with problems.\n", checked, bad);
  return bad;
}

}  // namespace

void add_models_commands(CLI::App& app) {
  auto models = app.add_subcommand("models", "List, download, verify and locate pretrained models");
  models->require_subcommand(1);

  auto json = std::make_shared<bool>(false);
  auto list = models->add_subcommand("list", "Show every model easel knows, and whether it is available offline");
  list->add_flag("--json", *json, "Print JSON");
  list->callback([json] { list_models(ModelStore(), *json); });

  auto names = std::make_shared<std::vector<std::string>>();
  auto pull = models->add_subcommand("pull", "Download models into the cache, checking each file's sha256");
  pull->add_option("NAME", *names, "Model names")->required();
  pull->callback([names] {
    ModelStore store;
    for (const auto& n : *names) {
      LocatedModel m = store.pull(n, progress);
      std::printf("%s: ready in %s (%s)\n", n.c_str(), m.dir.string().c_str(), to_string(m.location));
    }
  });

  auto verify_names = std::make_shared<std::vector<std::string>>();
  auto verify_cmd = models->add_subcommand("verify", "Check the sha256 of every file of available models");
  verify_cmd->add_option("NAME", *verify_names, "Model names (default: every available model)");
  verify_cmd->callback([verify_names] {
    if (verify(ModelStore(), *verify_names) > 0)
      throw Error(ErrorCode::bad_model, "Some models failed verification (listed above).",
                  "Pull them again with `easel models pull NAME`.");
  });

  auto path_name = std::make_shared<std::string>();
  auto path = models->add_subcommand("path", "Print the folder of a model, pulling it first if needed");
  path->add_option("NAME", *path_name, "Model name")->required();
  path->callback([path_name] {
    ModelStore store;
    std::printf("%s\n", store.get(*path_name, progress).dir.string().c_str());
  });

  auto info_name = std::make_shared<std::string>();
  auto info = models->add_subcommand("info", "Describe a model: task, files, licence, input contract, sources");
  info->add_option("NAME", *info_name, "Model name")->required();
  info->callback([info_name] {
    ModelStore store;
    if (std::filesystem::is_regular_file(*info_name)) return print_file_info(*info_name);
    print_info(store, *info_name);
  });

  auto top_info = app.add_subcommand("info", "Describe a model (same as `easel models info`)");
  top_info->add_option("NAME", *info_name, "Model name, or a model file (model.json, .tflite, .onnx)")->required();
  top_info->callback([info_name] {
    ModelStore store;
    if (std::filesystem::is_regular_file(*info_name)) return print_file_info(*info_name);
    print_info(store, *info_name);
  });
}

}  // namespace easel::cli
