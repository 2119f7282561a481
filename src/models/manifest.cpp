#include "models/manifest.h"

#include <nlohmann/json.hpp>

#include <set>

#include "core/files.h"
#include "easel/error.h"

namespace easel::detail {
namespace {

using nlohmann::json;

struct Context {
  std::string_view origin;
  std::string where;  // "model 'posenet'"

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorCode::bad_model, "Model manifest " + std::string(origin) + ": " + where + ": " + what + ".",
                "Fix the manifest entry; tools/gen_manifest.py shows the expected shape.");
  }
  std::string str(const json& j, const char* key, bool required = true) const {
    auto it = j.find(key);
    if (it == j.end()) {
      if (required) fail(std::string("field '") + key + "' is missing");
      return {};
    }
    if (!it->is_string()) fail(std::string("field '") + key + "' must be a string");
    return it->get<std::string>();
  }
};

std::vector<TensorInfo> tensors(const json& j, const char* key, const Context& ctx) {
  std::vector<TensorInfo> out;
  if (!j.contains(key)) return out;
  for (const auto& t : j.at(key)) {
    TensorInfo info{ctx.str(t, "name"), DType::f32, {}};
    try {
      info.dtype = dtype_from_string(ctx.str(t, "dtype", false));
    } catch (const Error& e) {
      ctx.fail(e.what());
    }
    if (t.contains("shape")) info.shape = t.at("shape").get<std::vector<std::int64_t>>();
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace

std::vector<ModelSpec> parse_manifest(std::string_view json_text, std::string_view origin) {
  Context ctx{origin, "top level"};
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception& e) {  // parse errors, and numbers past a double's range
    ctx.fail("not valid JSON (" + detail::json_problem(e) + ")");
  }
  if (!doc.is_object() || !doc.contains("models") || !doc["models"].is_array()) ctx.fail("expected an object with a 'models' array");

  std::vector<ModelSpec> models;
  std::set<std::string> names;
  for (size_t i = 0; i < doc["models"].size(); ++i) {
    const json& m = doc["models"][i];
    ctx.where = "model #" + std::to_string(i);
    try {
      ModelSpec spec;
      spec.name = ctx.str(m, "name");
      ctx.where = "model '" + spec.name + "'";
      if (!names.insert(spec.name).second) ctx.fail("the name is used twice");
      spec.title = ctx.str(m, "title", false);
      spec.task = ctx.str(m, "task");
      spec.format = ctx.str(m, "format");
      spec.license = ctx.str(m, "license");
      spec.entry = ctx.str(m, "entry");
      spec.labels = ctx.str(m, "labels", false);
      spec.contract = ctx.str(m, "contract", false);
      if (m.contains("recipe")) {
        if (!m["recipe"].is_object()) ctx.fail("field 'recipe' must be an object");
        spec.recipe = m["recipe"].dump();
      }
      if (!m.contains("files") || !m["files"].is_array() || m["files"].empty()) ctx.fail("field 'files' must be a non-empty array");
      std::set<std::string> file_names;
      for (const auto& f : m["files"]) {
        ModelFile file{ctx.str(f, "path"), f.value("size", std::uint64_t{0}), ctx.str(f, "sha256")};
        if (file.path.empty() || file.path.front() == '/' || file.path.find("..") != std::string::npos)
          ctx.fail("file path '" + file.path + "' must be relative and stay inside the model folder");
        if (file.sha256.size() != 64) ctx.fail("file '" + file.path + "' needs a 64-digit sha256");
        file_names.insert(file.path);
        spec.files.push_back(std::move(file));
      }
      if (!file_names.count(spec.entry)) ctx.fail("entry '" + spec.entry + "' is not among its files");
      if (!m.contains("sources") || !m["sources"].is_array()) ctx.fail("field 'sources' must be an array");
      for (const auto& s : m["sources"]) {
        ModelSource src;
        src.type = ctx.str(s, "type");
        if (src.type == "dir") {
          src.where = ctx.str(s, "folder");
        } else if (src.type == "npm") {
          src.where = ctx.str(s, "package") + "@" + ctx.str(s, "version");
        } else if (src.type == "deb") {
          src.where = ctx.str(s, "package");
        } else if (src.type != "url") {
          ctx.fail("source type '" + src.type + "' is not one of dir, npm, deb, url");
        }
        if (src.type != "dir") {
          if (!s.contains("files") || !s["files"].is_object()) ctx.fail(src.type + " source needs a 'files' map");
          src.files = s["files"].get<std::map<std::string, std::string>>();
          for (const auto& f : spec.files)
            if (!src.files.count(f.path)) ctx.fail(src.type + " source does not say where file '" + f.path + "' comes from");
          if (src.type == "url") {
            const std::string& first = src.files.begin()->second;
            auto scheme = first.find("://");
            src.where = scheme == std::string::npos ? first : first.substr(scheme + 3, first.find('/', scheme + 3) - scheme - 3);
          }
        }
        spec.sources.push_back(std::move(src));
      }
      spec.inputs = tensors(m, "inputs", ctx);
      spec.outputs = tensors(m, "outputs", ctx);
      models.push_back(std::move(spec));
    } catch (const json::exception& e) {
      ctx.fail(std::string("malformed field (") + e.what() + ")");
    }
  }
  return models;
}

}  // namespace easel::detail
