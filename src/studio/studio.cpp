// The studio's HTTP server (cpp-httplib): the page's files, embedded in the library, and a
// JSON API over the ProjectStore. Handlers stay thin: they parse, call the store and answer.
//
// Security, for a server on a person's own machine that any web page they visit could try
// to reach:
// - it binds to 127.0.0.1 unless told otherwise;
// - the Host header must name this server (a DNS-rebinding page gets 403), and a request
//   that changes anything must come from the studio's own page when it comes from a page at
//   all (Origin checked; 403 otherwise);
// - uploads are capped (kMaxUploadBytes; 413 past it);
// - no route maps a request's path to a file: the page's files are looked up in a table, and
//   projects, classes and samples are named by ids the store made and checks;
// - a malformed request gets a 4xx with {code, message, hint}; an unexpected exception a 500;
//   the server stays up. It never runs a shell.
#include "easel/studio.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/files.h"
#include "easel/error.h"
#include "easel/training.h"
#include "studio/assets.h"
#include "studio/project_store.h"
#include "studio/project_archive.h"
#include "studio/trainer.h"
#include "core/zip_archive.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace easel {

using studio::StudioError;

struct Studio::Impl {
  StudioOptions options;
  studio::ProjectStore store;
  studio::Trainer trainer{store};  // after the store, before the server: destroyed in between
  httplib::Server server;
  int port = 0;
  std::thread thread;
  std::atomic<bool> stopping{false};  // ends the event streams

  Impl(const StudioOptions& o, fs::path root) : options(o), store(std::move(root)) {}
  void routes();
  bool host_allowed(const std::string& host) const;
};

namespace {

void send_json(httplib::Response& res, const json& body, int status = 200) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& code, const std::string& message, const std::string& hint = {}) {
  send_json(res, {{"code", code}, {"message", message}, {"hint", hint}}, status);
}

int status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::bad_input: return 400;
    case ErrorCode::model_not_found: return 404;
    case ErrorCode::bad_model:
    case ErrorCode::unsupported_op: return 422;
    default: return 500;
  }
}

json body_json(const httplib::Request& req) {
  try {
    json j = json::parse(req.body);
    if (!j.is_object()) throw StudioError(400, "bad_json", "The request's body must be a JSON object.");
    return j;
  } catch (const json::exception& e) {
    throw StudioError(400, "bad_json", "The request's body is not valid JSON: " + detail::json_problem(e));
  }
}

std::string string_field(const json& j, const char* field) {
  if (!j.contains(field)) throw StudioError(400, "bad_input", std::string("The request needs '") + field + "'.");
  if (!j[field].is_string()) throw StudioError(400, "bad_input", std::string("'") + field + "' must be text.");
  return j[field].get<std::string>();
}

json to_json(const studio::ClassInfo& c) { return {{"id", c.id}, {"name", c.name}, {"enabled", c.enabled}, {"samples", c.samples}}; }

json to_json(const studio::ProjectInfo& p) {
  json classes = json::array();
  for (const auto& c : p.classes) classes.push_back(to_json(c));
  return {{"id", p.id}, {"name", p.name}, {"kind", studio::kind_name(p.kind)}, {"created", p.created}, {"classes", classes}};
}

json to_json(const studio::SampleInfo& s) { return {{"id", s.id}, {"file", s.file}, {"bytes", s.bytes}}; }

std::size_t query_number(const httplib::Request& req, const char* name, std::size_t fallback, std::size_t max) {
  if (!req.has_param(name)) return fallback;
  const std::string v = req.get_param_value(name);
  if (v.empty() || v.size() > 9 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
    throw StudioError(400, "bad_input", std::string("'") + name + "' must be a whole number.");
  return std::min<std::size_t>(std::stoul(v), max);
}

// The files a request uploads, as (name, bytes): a multipart form's, or the body itself,
// named by ?name= (else `unnamed`).
std::vector<std::pair<std::string, std::string>> uploaded_files(const httplib::Request& req, const std::string& unnamed) {
  std::vector<std::pair<std::string, std::string>> files;
  if (req.is_multipart_form_data()) {
    for (const auto& [field, file] : req.files) files.emplace_back(file.filename, file.content);
  } else {
    files.emplace_back(req.has_param("name") ? req.get_param_value("name") : unnamed, req.body);
  }
  return files;
}

const char* mime_of(const fs::path& file) {
  const std::string e = file.extension().string();
  if (e == ".jpg") return "image/jpeg";
  if (e == ".png") return "image/png";
  if (e == ".bmp") return "image/bmp";
  if (e == ".webp") return "image/webp";
  if (e == ".wav") return "audio/wav";
  if (e == ".flac") return "audio/flac";
  if (e == ".ogg") return "audio/ogg";
  if (e == ".json") return "application/json";
  return "application/octet-stream";
}

void send_file(httplib::Response& res, const fs::path& file) {
  res.set_content(detail::read_file(file), mime_of(file));
  res.set_header("Cache-Control", "private, max-age=3600");
}

// A project's name as a file name: letters, digits, '-' and '_' only.
std::string download_name(const std::string& name) {
  std::string out;
  for (unsigned char c : name) out += std::isalnum(c) || c == '-' || c == '_' ? static_cast<char>(std::tolower(c)) : '-';
  return out.empty() ? std::string("model") : out.substr(0, 60);
}

// The C++ a person pastes into their program: their model on a camera or a microphone.
std::string snippet(const studio::ProjectInfo& p, const std::string& model_file) {
  if (p.kind == MediaKind::sound)
    return "// \"" + p.name + "\" from easel studio: what the microphone hears, a line per word.\n"
           "// Build: g++ -std=c++20 listen.cpp $(pkg-config --cflags --libs easel)\n"
           "#include <easel/easel.h>\n#include <cstdio>\n#include <vector>\n\nint main() {\n"
           "  auto sounds = easel::SoundClassifier::create({.model = \"" + model_file + "\"});\n"
           "  auto mic = easel::Microphone::open();  // 16 kHz\n"
           "  auto stream = sounds.stream();\n"
           "  std::vector<float> chunk(1600);  // 100 ms\n"
           "  while (mic.read(chunk.data(), chunk.size()) > 0)\n"
           "    for (const auto& word : stream.push(chunk.data(), chunk.size())) std::printf(\"%s %.2f\\n\", word.label.c_str(), word.confidence);\n}\n";
  return "// \"" + p.name + "\" from easel studio: what the camera sees, a line per frame (\"" +
         (p.classes.empty() ? std::string("Class 1") : p.classes[0].name) + " 0.97\").\n"
         "// Build: g++ -std=c++20 classify.cpp $(pkg-config --cflags --libs easel)\n"
         "#include <easel/easel.h>\n#include <cstdio>\n\nint main() {\n"
         "  auto classifier = easel::ImageClassifier::create({.model = \"" + model_file + "\"});\n"
         "  auto camera = easel::VideoReader::camera(0);\n"
         "  easel::Image frame;\n"
         "  while (camera.read(frame)) {\n"
         "    const easel::Classification best = classifier.classify(frame)[0];\n"
         "    std::printf(\"%s %.2f\\n\", best.label.c_str(), best.confidence);\n  }\n}\n";
}

}  // namespace

bool Studio::Impl::host_allowed(const std::string& host) const {
  // "name:port", the port this server's; the name a loopback one, or the --host given.
  const std::size_t colon = host.rfind(':');
  if (colon == std::string::npos || host.substr(colon + 1) != std::to_string(port)) return false;
  const std::string name = host.substr(0, colon);
  if (name == "127.0.0.1" || name == "localhost" || name == "[::1]") return true;
  const bool loopback = options.host == "127.0.0.1" || options.host == "localhost" || options.host == "::1";
  if (loopback) return false;
  // Opened to the network on purpose (--host 0.0.0.0): any of the machine's names will do.
  return options.host == "0.0.0.0" || options.host == "::" || name == options.host;
}

void Studio::Impl::routes() {
  const std::uint64_t max_upload = options.max_upload_bytes ? options.max_upload_bytes : studio::kMaxUploadBytes;
  server.set_payload_max_length(max_upload);

  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    const std::string host = req.get_header_value("Host");
    if (!host_allowed(host)) {
      send_error(res, 403, "forbidden_host", "This studio answers requests for 127.0.0.1:" + std::to_string(port) + " only.",
                 "Open " + std::string("http://127.0.0.1:") + std::to_string(port) + "/ in the browser.");
      return httplib::Server::HandlerResponse::Handled;
    }
    const bool changes = req.method != "GET" && req.method != "HEAD" && req.method != "OPTIONS";
    if (changes && req.has_header("Origin") && req.get_header_value("Origin") != "http://" + host) {
      send_error(res, 403, "forbidden_origin", "Only the studio's own page may change projects; this request came from " +
                                                   req.get_header_value("Origin").substr(0, 100) + ".");
      return httplib::Server::HandlerResponse::Handled;
    }
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    return httplib::Server::HandlerResponse::Unhandled;
  });

  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const StudioError& e) {
      send_error(res, e.status, e.code, e.what(), e.hint);
    } catch (const Error& e) {
      send_error(res, status_of(e.code()), to_string(e.code()), e.what(), e.hint());
    } catch (const std::exception& e) {
      send_error(res, 500, "internal", std::string("The studio failed: ") + e.what(), "This is a bug in easel; please report it.");
    } catch (...) {
      send_error(res, 500, "internal", "The studio failed.", "This is a bug in easel; please report it.");
    }
  });

  server.set_error_handler([max_upload](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // a handler's own error
    if (res.status == 404) send_error(res, 404, "not_found", "There is nothing at " + req.path.substr(0, 200) + ".");
    else if (res.status == 413 && req.get_header_value("Content-Type").starts_with("application/x-www-form-urlencoded"))
      // cpp-httplib reads at most 8 KB of a form-encoded body (curl's default for --data).
      send_error(res, 413, "too_large", "A form-encoded body is limited to 8 KB.",
                 "Send a file as application/octet-stream (curl -H 'Content-Type: application/octet-stream') or as multipart/form-data.");
    else if (res.status == 413)
      send_error(res, 413, "too_large", "The upload is larger than " + std::to_string(max_upload) + " bytes, the studio's limit.",
                 "Split it into several uploads.");
    else send_error(res, res.status, "bad_request", "The studio could not read this request.");
  });

  // ---- the page ----
  server.Get(R"(/|/[A-Za-z0-9_.-]+)", [](const httplib::Request& req, httplib::Response& res) {
    const std::string path = req.path == "/" ? "/index.html" : req.path;
    for (std::size_t i = 0; i < studio::kAssetCount; ++i) {
      const studio::Asset& a = studio::kAssets[i];
      if (path == a.path) {
        res.set_content(std::string(reinterpret_cast<const char*>(a.data), a.size), a.mime);
        res.set_header("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:");
        return;
      }
    }
    send_error(res, 404, "not_found", "There is nothing at " + path.substr(0, 200) + ".");
  });

  // ---- projects ----
  server.Get("/api/limits", [max_upload](const httplib::Request&, httplib::Response& res) {
    send_json(res, {{"max_upload_bytes", max_upload}});
  });
  server.Get("/api/projects", [this](const httplib::Request&, httplib::Response& res) {
    json list = json::array();
    for (const auto& p : store.list()) list.push_back(to_json(p));
    send_json(res, {{"projects", list}});
  });
  server.Post("/api/projects", [this](const httplib::Request& req, httplib::Response& res) {
    const json j = body_json(req);
    send_json(res, to_json(store.create(string_field(j, "name"), studio::parse_kind(j.contains("kind") ? string_field(j, "kind") : "image"))), 201);
  });
  server.Get(R"(/api/projects/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    send_json(res, to_json(store.get(req.matches[1])));
  });
  server.Patch(R"(/api/projects/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    send_json(res, to_json(store.rename(req.matches[1], string_field(body_json(req), "name"))));
  });
  server.Delete(R"(/api/projects/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    store.remove(req.matches[1]);
    res.status = 204;
  });

  // ---- classes ----
  server.Post(R"(/api/projects/([^/]+)/classes)", [this](const httplib::Request& req, httplib::Response& res) {
    send_json(res, to_json(store.add_class(req.matches[1], string_field(body_json(req), "name"))), 201);
  });
  server.Patch(R"(/api/projects/([^/]+)/classes/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    const json j = body_json(req);
    std::optional<std::string> name;
    std::optional<bool> enabled;
    if (j.contains("name")) name = string_field(j, "name");
    if (j.contains("enabled")) {
      if (!j["enabled"].is_boolean()) throw StudioError(400, "bad_input", "'enabled' must be true or false.");
      enabled = j["enabled"].get<bool>();
    }
    send_json(res, to_json(store.update_class(req.matches[1], req.matches[2], name, enabled)));
  });
  server.Delete(R"(/api/projects/([^/]+)/classes/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    send_json(res, to_json(store.remove_class(req.matches[1], req.matches[2])));
  });

  // ---- samples ----
  server.Get(R"(/api/projects/([^/]+)/classes/([^/]+)/samples)", [this](const httplib::Request& req, httplib::Response& res) {
    std::size_t total = 0;
    const auto page = store.samples(req.matches[1], req.matches[2], query_number(req, "offset", 0, SIZE_MAX / 2),
                                    query_number(req, "limit", 200, 1000), &total);
    json list = json::array();
    for (const auto& s : page) list.push_back(to_json(s));
    send_json(res, {{"total", total}, {"samples", list}});
  });
  // A sample as the request's body (its name in ?name=, for its format), a zip of samples,
  // or a multipart form of files.
  server.Post(R"(/api/projects/([^/]+)/classes/([^/]+)/samples)", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string project = req.matches[1], cls = req.matches[2];
    const auto files = uploaded_files(req, "");
    json added = json::array(), skipped = json::array();
    for (const auto& [name, bytes] : files) {
      if (bytes.size() >= 4 && bytes.compare(0, 4, "PK\3\4") == 0) {
        std::vector<std::string> why;
        for (const auto& s : store.add_zip(project, cls, bytes, why)) added.push_back(to_json(s));
        for (const auto& w : why) skipped.push_back(w);
      } else {
        try {
          added.push_back(to_json(store.add_sample(project, cls, bytes, name)));
        } catch (const StudioError& e) {
          if (e.status != 415 || files.size() == 1) throw;  // one file refused is the answer
          skipped.push_back(e.what());
        }
      }
    }
    send_json(res, {{"added", added}, {"skipped", skipped}}, 201);
  });
  server.Get(R"(/api/projects/([^/]+)/classes/([^/]+)/samples/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    send_file(res, store.sample_file(req.matches[1], req.matches[2], req.matches[3]));
  });
  server.Get(R"(/api/projects/([^/]+)/classes/([^/]+)/samples/([^/]+)/thumbnail)",
             [this](const httplib::Request& req, httplib::Response& res) {
               const auto thumb = store.thumbnail(req.matches[1], req.matches[2], req.matches[3]);
               if (!thumb) throw StudioError(404, "not_found", "A sound sample has no thumbnail.");
               send_file(res, *thumb);
             });
  server.Delete(R"(/api/projects/([^/]+)/classes/([^/]+)/samples/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    store.remove_sample(req.matches[1], req.matches[2], req.matches[3]);
    res.status = 204;
  });

  // ---- training ----
  server.Post(R"(/api/projects/([^/]+)/train)", [this](const httplib::Request& req, httplib::Response& res) {
    const json j = req.body.empty() ? json::object() : body_json(req);
    studio::TrainSettings settings;
    const auto number = [&](const char* field, auto& into) {
      if (!j.contains(field)) return;
      if (!j[field].is_number()) throw StudioError(400, "bad_input", std::string("'") + field + "' must be a number.");
      into = j[field].get<std::remove_reference_t<decltype(into)>>();
    };
    number("epochs", settings.epochs);
    number("batch_size", settings.batch_size);
    number("learning_rate", settings.learning_rate);
    trainer.start(req.matches[1], settings);
    send_json(res, {{"training", true}}, 202);
  });
  // Progress as server-sent events: "id: N" and "data: {stage, ...}" per event, from the
  // first (or after Last-Event-ID when the browser reconnects), ending after "done" or
  // "error".
  server.Get(R"(/api/projects/([^/]+)/train/events)", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string project = req.matches[1];
    store.folder(project);
    std::size_t from = 0;
    if (req.has_header("Last-Event-ID")) from = std::strtoull(req.get_header_value("Last-Event-ID").c_str(), nullptr, 10) + 1;
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider("text/event-stream", [this, project, from](std::size_t, httplib::DataSink& sink) mutable {
      if (stopping) return false;
      bool finished = false;
      const auto events = trainer.events(project, from, std::chrono::milliseconds(500), finished);
      for (const json& e : events) {
        const std::string text = "id: " + std::to_string(from++) + "\ndata: " + e.dump() + "\n\n";
        if (!sink.write(text.data(), text.size())) return false;
      }
      if (finished && events.empty()) sink.done();
      else if (events.empty() && !sink.write(": waiting\n\n", 11)) return false;
      return true;
    });
  });
  server.Get(R"(/api/projects/([^/]+)/model)", [this](const httplib::Request& req, httplib::Response& res) {
    json report = trainer.report(req.matches[1]);
    report["training"] = trainer.running(req.matches[1]);
    send_json(res, report);
  });
  server.Post(R"(/api/projects/([^/]+)/predict)", [this](const httplib::Request& req, httplib::Response& res) {
    json classes = json::array();
    for (const auto& c : trainer.predict(req.matches[1], req.body)) classes.push_back({{"label", c.label}, {"confidence", c.confidence}});
    send_json(res, {{"classes", classes}});
  });

  // ---- export ----
  server.Get(R"(/api/projects/([^/]+)/export/model.easel)", [this](const httplib::Request& req, httplib::Response& res) {
    const fs::path file = trainer.model_file(req.matches[1]);
    res.set_content(detail::read_file(file), "application/octet-stream");
    res.set_header("Content-Disposition", "attachment; filename=\"" + download_name(store.get(req.matches[1]).name) + ".easel\"");
  });
  server.Get(R"(/api/projects/([^/]+)/export/teachable-machine.zip)", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string project = req.matches[1];
    const detail::TempDir tmp = store.scratch("export-");
    TrainedClassifier::load(trainer.model_file(project)).export_teachable_machine(tmp.path() / "tm");
    detail::write_zip(tmp.path() / "tm.zip", tmp.path() / "tm");
    res.set_content(detail::read_file(tmp.path() / "tm.zip"), "application/zip");
    res.set_header("Content-Disposition", "attachment; filename=\"" + download_name(store.get(project).name) + "-teachable-machine.zip\"");
  });
  server.Get(R"(/api/projects/([^/]+)/export/project.zip)", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string project = req.matches[1];
    const detail::TempDir tmp = store.scratch("export-");
    studio::export_project(store, project, tmp.path() / "project.zip");
    res.set_content(detail::read_file(tmp.path() / "project.zip"), "application/zip");
    res.set_header("Content-Disposition", "attachment; filename=\"" + download_name(store.get(project).name) + "-project.zip\"");
  });
  // A project zip, a Teachable Machine zip or a MODEL.easel, as the body (its name in
  // ?name=) or as the one file of a form.
  server.Post("/api/import", [this](const httplib::Request& req, httplib::Response& res) {
    const auto files = uploaded_files(req, "Imported");
    if (files.size() != 1) throw StudioError(400, "bad_input", "Import one file at a time.");
    std::vector<std::string> skipped;
    json project = to_json(studio::import_upload(store, files[0].second, files[0].first, skipped));
    project["skipped"] = skipped;
    send_json(res, project, 201);
  });
  server.Get(R"(/api/projects/([^/]+)/export/snippet.cpp)", [this](const httplib::Request& req, httplib::Response& res) {
    const studio::ProjectInfo info = store.get(req.matches[1]);
    res.set_content(snippet(info, download_name(info.name) + ".easel"), "text/plain; charset=utf-8");
  });
}

Studio::Studio(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Studio::~Studio() {
  if (impl_) stop();
}
Studio::Studio(Studio&&) noexcept = default;
Studio& Studio::operator=(Studio&&) noexcept = default;

Studio Studio::create(const StudioOptions& options) {
  fs::path root = options.projects;
  if (root.empty()) root = fs::path(detail::env_or("HOME", "/tmp")) / "easel-projects";
  auto impl = std::make_unique<Impl>(options, root);
  if (options.port < 0 || options.port > 65535) throw Error(ErrorCode::bad_input, "The port must be between 0 and 65535.");
  impl->routes();
  if (options.port == 0) {
    impl->port = impl->server.bind_to_any_port(options.host);
  } else {
    impl->port = options.port;
    if (!impl->server.bind_to_port(options.host, options.port)) impl->port = -1;
  }
  if (impl->port <= 0)
    throw Error(ErrorCode::io_error, "The studio cannot listen on " + options.host + ":" + std::to_string(options.port) + ".",
                "Another program may use that port: choose another with --port.");
  return Studio(std::move(impl));
}

std::string Studio::url() const {
  const std::string host = impl_->options.host == "0.0.0.0" ? "127.0.0.1" : impl_->options.host;
  return "http://" + host + ":" + std::to_string(impl_->port) + "/";
}
int Studio::port() const { return impl_->port; }
const fs::path& Studio::projects() const { return impl_->store.root(); }

void Studio::run() { impl_->server.listen_after_bind(); }

void Studio::start() {
  impl_->thread = std::thread([impl = impl_.get()] { impl->server.listen_after_bind(); });
  // Connections queue from the bind on; waiting for the accept loop keeps a quick stop()
  // from coming before it (and being missed).
  for (int i = 0; i < 5000 && !impl_->server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void Studio::stop() {
  impl_->stopping = true;
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace easel
