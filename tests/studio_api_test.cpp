// easel studio's HTTP API, over a real socket with cpp-httplib's client: projects, classes
// and samples made, listed and deleted; real photos and recordings as samples (and files
// that are not); and what a hostile page or client tries: path traversal in every encoding,
// uploads past the limit, malformed JSON, foreign Origin and Host headers, many requests at
// once. A restarted server finds the same projects.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "core/zip_archive.h"
#include "easel/image.h"
#include "easel/studio.h"
#include "easel/training.h"
#include "easel/video.h"
#include "golden_util.h"
#include "sample_media.h"
#include "studio/project_store.h"
#include "test_util.h"
#include "zip_writer.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace easel;

namespace {

// A studio on a free port over a scratch projects folder, and a client for it.
struct Served {
  explicit Served(const fs::path& projects, std::uint64_t max_upload = 0)
      : studio(easel::Studio::create({.projects = projects, .port = 0, .max_upload_bytes = max_upload})), client("127.0.0.1", studio.port()) {
    studio.start();
    client.set_read_timeout(60, 0);
  }
  easel::Studio studio;
  httplib::Client client;

  json post_json(const std::string& path, const json& body, int expect = 201) {
    auto r = client.Post(path.c_str(), body.dump(), "application/json");
    EXPECT_TRUE(r) << path;
    if (!r) return {};
    EXPECT_EQ(r->status, expect) << path << ": " << r->body;
    return json::parse(r->body, nullptr, false);
  }
  json get_json(const std::string& path, int expect = 200) {
    auto r = client.Get(path.c_str());
    EXPECT_TRUE(r) << path;
    if (!r) return {};
    EXPECT_EQ(r->status, expect) << path << ": " << r->body;
    return json::parse(r->body, nullptr, false);
  }
  json upload(const std::string& base, const fs::path& file, int expect = 201) {
    auto r = client.Post((base + "/samples?name=" + file.filename().string()).c_str(), test::slurp(file), "application/octet-stream");
    EXPECT_TRUE(r);
    if (!r) return {};
    EXPECT_EQ(r->status, expect) << file << ": " << r->body;
    return json::parse(r->body, nullptr, false);
  }
};

std::string class_path(const json& project, int i) {
  return "/api/projects/" + project["id"].get<std::string>() + "/classes/" + project["classes"][i]["id"].get<std::string>();
}

}  // namespace

TEST(StudioApi, ProjectsClassesAndSamplesSurviveARestart) {
  test::ScratchDir dir;
  std::string id, fruit_class;
  {
    Served s(dir.path());
    // The page itself.
    auto page = s.client.Get("/");
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200);
    EXPECT_NE(page->body.find("easel studio"), std::string::npos);
    EXPECT_EQ(s.client.Get("/studio.js")->status, 200);

    json p = s.post_json("/api/projects", {{"name", "Fruit"}, {"kind", "image"}});
    id = p["id"];
    ASSERT_EQ(p["classes"].size(), 2u);
    const std::string apples = class_path(p, 0), oranges = class_path(p, 1);
    fruit_class = p["classes"][0]["id"];
    // Rename the classes as a workshop participant would.
    EXPECT_EQ(s.client.Patch(apples.c_str(), R"({"name":"apple"})", "application/json")->status, 200);
    EXPECT_EQ(s.client.Patch(oranges.c_str(), R"({"name":"orange","enabled":false})", "application/json")->status, 200);
    // A third class, then deleted.
    json with_three = s.post_json("/api/projects/" + id + "/classes", {{"name", "banana"}});
    ASSERT_EQ(with_three["classes"].size(), 3u);
    EXPECT_EQ(s.client.Delete(class_path(with_three, 2).c_str())->status, 200);

    // Real photos as samples, each with a thumbnail; a text file is refused.
    json added = s.upload(apples, find_sample("apple.jpg"));
    ASSERT_EQ(added["added"].size(), 1u);
    s.upload(apples, find_sample("fruits.jpg"));
    s.upload(oranges, find_sample("orange.jpg"));
    const std::string sample = added["added"][0]["id"];
    auto thumb = s.client.Get((apples + "/samples/" + sample + "/thumbnail").c_str());
    ASSERT_TRUE(thumb);
    EXPECT_EQ(thumb->status, 200);
    EXPECT_EQ(thumb->get_header_value("Content-Type"), "image/jpeg");
    EXPECT_LT(thumb->body.size(), 20000u);
    auto original = s.client.Get((apples + "/samples/" + sample).c_str());
    EXPECT_EQ(original->body, test::slurp(find_sample("apple.jpg")));
    auto text = s.client.Post((apples + "/samples?name=notes.txt").c_str(), "just some words", "application/octet-stream");
    EXPECT_EQ(text->status, 415) << text->body;
    EXPECT_NE(text->body.find("image project takes photos"), std::string::npos) << text->body;
    // A JPEG cut in half is not a sample (training would skip it).
    const std::string jpeg = test::slurp(find_sample("apple.jpg"));
    auto half = s.client.Post((apples + "/samples?name=half.jpg").c_str(), jpeg.substr(0, jpeg.size() / 2), "application/octet-stream");
    EXPECT_EQ(half->status, 415) << half->body;
    // A sample deleted.
    json page_before = s.get_json(apples + "/samples");
    EXPECT_EQ(page_before["total"], 2);
    EXPECT_EQ(s.client.Delete((apples + "/samples/" + page_before["samples"][1]["id"].get<std::string>()).c_str())->status, 204);
    s.studio.stop();
  }
  // A new server on the same folder: the same project, names, switches and samples.
  Served s(dir.path());
  json list = s.get_json("/api/projects");
  ASSERT_EQ(list["projects"].size(), 1u);
  json p = list["projects"][0];
  EXPECT_EQ(p["id"], id);
  EXPECT_EQ(p["name"], "Fruit");
  ASSERT_EQ(p["classes"].size(), 2u);
  EXPECT_EQ(p["classes"][0]["name"], "apple");
  EXPECT_EQ(p["classes"][0]["samples"], 1);
  EXPECT_EQ(p["classes"][1]["name"], "orange");
  EXPECT_EQ(p["classes"][1]["enabled"], false);
  EXPECT_EQ(p["classes"][1]["samples"], 1);
  // The dataset training will read: the enabled class only, its one photo.
  easel::studio::ProjectStore store(dir.path());
  const easel::Dataset data = store.dataset(id);
  ASSERT_EQ(data.labels, std::vector<std::string>{"apple"});
  EXPECT_EQ(data.files.size(), 1u);
  EXPECT_TRUE(data.skipped.empty());
  // Deleted, it is gone from disk too.
  EXPECT_EQ(s.client.Delete(("/api/projects/" + id).c_str())->status, 204);
  EXPECT_FALSE(fs::exists(dir.path() / id));
  EXPECT_EQ(s.get_json("/api/projects")["projects"].size(), 0u);
}

TEST(StudioApi, ASoundProjectStartsWithBackgroundNoiseAndTakesRecordings) {
  test::ScratchDir dir;
  Served s(dir.path());
  json p = s.post_json("/api/projects", {{"name", "Words"}, {"kind", "sound"}});
  EXPECT_EQ(p["kind"], "sound");
  EXPECT_EQ(p["classes"][0]["name"], "Background Noise");
  const std::string words = class_path(p, 1);
  // It keeps that class, and trains only with samples in it.
  EXPECT_EQ(s.client.Delete(class_path(p, 0).c_str())->status, 409);
  EXPECT_EQ(s.client.Patch(class_path(p, 0).c_str(), R"({"name":"quiet"})", "application/json")->status, 409);
  auto untrained = s.client.Post(("/api/projects/" + p["id"].get<std::string>() + "/train").c_str(), "{}", "application/json");
  EXPECT_EQ(untrained->status, 400);
  EXPECT_NE(untrained->body.find("Background Noise"), std::string::npos) << untrained->body;
  const fs::path yes = test::shared_dir() / "media" / "arm-kws-samples" / "yes.wav";
  if (!fs::exists(yes)) EASEL_SKIP_UNLESS_REQUIRED("no " + yes.string());
  s.upload(words, yes);
  // A photo is not a recording.
  auto photo = s.upload(words, find_sample("apple.jpg"), 415);
  EXPECT_NE(photo.dump().find("sound project takes recordings"), std::string::npos) << photo;
  // A zip of recordings and one stray file: the recordings added, the stray one listed.
  test::ScratchDir zipdir;
  const std::string recording = test::slurp(yes);
  test::write_zip(zipdir / "words.zip", {{"yes/a.wav", recording}, {"yes/b.wav", recording}, {"yes/readme.txt", "hello"}});
  json zipped = s.upload(words, zipdir / "words.zip");
  EXPECT_EQ(zipped["added"].size(), 2u) << zipped;
  ASSERT_EQ(zipped["skipped"].size(), 1u) << zipped;
  EXPECT_NE(zipped["skipped"][0].get<std::string>().find("readme.txt"), std::string::npos);
  EXPECT_EQ(s.get_json(words + "/samples")["total"], 3);
  // Sounds have no thumbnail; a clear 404.
  const std::string first = s.get_json(words + "/samples")["samples"][0]["id"];
  EXPECT_EQ(s.client.Get((words + "/samples/" + first + "/thumbnail").c_str())->status, 404);
}

TEST(StudioApi, PathTraversalInEveryEncodingReachesNoFile) {
  test::ScratchDir dir;
  Served s(dir.path());
  json p = s.post_json("/api/projects", {{"name", "T"}});
  const std::string id = p["id"], cls = p["classes"][0]["id"];
  std::ofstream(dir.path() / "secret.txt") << "SECRET";
  const std::vector<std::string> attempts = {
      "/../secret.txt",
      "/..%2fsecret.txt",
      "/%2e%2e/secret.txt",
      "/%2e%2e%2fsecret.txt",
      "/..%5csecret.txt",
      "/%252e%252e%252fsecret.txt",
      "/studio.js/../../secret.txt",
      "/api/projects/..",
      "/api/projects/%2e%2e",
      "/api/projects/..%2f" + id,
      "/api/projects/" + id + "/classes/..%2f..%2fsecret.txt/samples",
      "/api/projects/" + id + "/classes/" + cls + "/samples/..%2f..%2f..%2fsecret.txt",
      "/api/projects/" + id + "/classes/" + cls + "/samples/s-..%2f..%2fproject.json",
      "/api/projects/" + id + "/classes/" + cls + "/samples/%2e%2e%2f%2e%2e%2fproject.json/thumbnail",
      "/api/projects/" + id + "%00/classes",
      "/etc/passwd",
      "//etc/passwd",
  };
  for (const auto& path : attempts) {
    SCOPED_TRACE(path);
    auto r = s.client.Get(path.c_str());
    if (!r) continue;  // the client refused to send it: nothing reached the server
    EXPECT_GE(r->status, 400);
    EXPECT_LT(r->status, 500);
    EXPECT_EQ(r->body.find("SECRET"), std::string::npos);
    EXPECT_EQ(r->body.find("root:"), std::string::npos);
    EXPECT_EQ(r->body.find("\"kind\""), std::string::npos);
    auto d = s.client.Delete(path.c_str());
    if (d) {
      EXPECT_GE(d->status, 400);
    }
  }
  EXPECT_TRUE(fs::exists(dir.path() / "secret.txt"));
  EXPECT_TRUE(fs::exists(dir.path() / id / "project.json"));
}

TEST(StudioApi, OversizedUploadsMalformedJsonAndForeignPagesAreRefused) {
  test::ScratchDir dir;
  Served s(dir.path(), 2 << 20);
  json p = s.post_json("/api/projects", {{"name", "T"}});
  const std::string base = class_path(p, 0);
  // Past the upload limit (here 2 MB): 413, and nothing stored.
  const std::string too_big((2 << 20) + 1, 'x');
  auto huge = s.client.Post((base + "/samples?name=big.jpg").c_str(), too_big, "application/octet-stream");
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 413) << huge->body;
  EXPECT_NE(huge->body.find("the studio's limit"), std::string::npos) << huge->body;
  EXPECT_EQ(s.get_json("/api/limits")["max_upload_bytes"], 2 << 20);
  EXPECT_EQ(s.get_json(base + "/samples")["total"], 0);
  // Malformed JSON and wrong fields: 400 with a message.
  for (const std::string body : {"{", "[1,2]", "{\"name\": 5}", "{\"kind\":\"image\"}", "{\"name\":\"x\",\"kind\":\"video\"}", "{\"name\":\"\"}",
                                 "{\"name\": \"a\u0001b\"}"}) {
    SCOPED_TRACE(body);
    auto r = s.client.Post("/api/projects", body, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << r->body;
    json j = json::parse(r->body);
    EXPECT_FALSE(j["message"].get<std::string>().empty());
  }
  auto enabled = s.client.Patch(base.c_str(), R"({"enabled":"yes"})", "application/json");
  EXPECT_EQ(enabled->status, 400);
  EXPECT_EQ(s.client.Get("/api/projects/p-00000000")->status, 404);
  EXPECT_EQ(s.client.Get((base + "/samples?offset=-1").c_str())->status, 400);
  // Another site's page may not change anything (CSRF), nor may a DNS-rebinding name reach it.
  auto foreign = s.client.Post("/api/projects", httplib::Headers{{"Origin", "http://evil.example"}}, R"({"name":"x"})", "application/json");
  EXPECT_EQ(foreign->status, 403);
  auto deleting = s.client.Delete(("/api/projects/" + p["id"].get<std::string>()).c_str(), httplib::Headers{{"Origin", "http://localhost:1"}});
  EXPECT_EQ(deleting->status, 403);
  EXPECT_TRUE(fs::exists(dir.path() / p["id"].get<std::string>()));
  auto same = s.client.Post("/api/projects", httplib::Headers{{"Origin", "http://127.0.0.1:" + std::to_string(s.studio.port())}},
                            R"({"name":"mine"})", "application/json");
  EXPECT_EQ(same->status, 201);
  auto rebound = s.client.Get("/api/projects", httplib::Headers{{"Host", "evil.example:" + std::to_string(s.studio.port())}});
  EXPECT_EQ(rebound->status, 403);
  // The server is still up and answering.
  EXPECT_EQ(s.get_json("/api/projects")["projects"].size(), 2u);
}

TEST(StudioApi, ManyClientsAtOnceLoseNoSample) {
  test::ScratchDir dir;
  Served s(dir.path());
  json p = s.post_json("/api/projects", {{"name", "Busy"}});
  const std::string a = class_path(p, 0), b = class_path(p, 1);
  const std::string photo = test::slurp(find_sample("apple.jpg"));
  constexpr int kThreads = 8, kEach = 6;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", s.studio.port());
      c.set_read_timeout(60, 0);
      for (int i = 0; i < kEach; ++i) {
        auto r = c.Post(((t % 2 ? a : b) + "/samples?name=x.jpg").c_str(), photo, "application/octet-stream");
        if (r && r->status == 201) ++ok;
        // Readers and writers of project.json at the same time.
        c.Patch(("/api/projects/" + p["id"].get<std::string>()).c_str(), json{{"name", "Busy " + std::to_string(t)}}.dump(), "application/json");
        c.Get("/api/projects");
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, kThreads * kEach);
  EXPECT_EQ(s.get_json(a + "/samples")["total"].get<int>() + s.get_json(b + "/samples")["total"].get<int>(), kThreads * kEach);
  std::set<std::string> ids;
  for (const auto& base : {a, b}) {
    const json page = s.get_json(base + "/samples?limit=1000");
    for (const auto& x : page["samples"]) ids.insert(x["id"].get<std::string>());
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kThreads * kEach));
  // project.json is whole: one of the names written.
  EXPECT_EQ(s.get_json("/api/projects/" + p["id"].get<std::string>())["name"].get<std::string>().rfind("Busy ", 0), 0u);
}

namespace {

// `count` frames of a sample video, every `step`th from `first`, as JPEG bytes.
std::vector<std::string> frames_of(const std::string& video, int first, int step, int count) {
  auto reader = VideoReader::open(find_sample(video));
  test::ScratchDir tmp;
  std::vector<std::string> out;
  Image frame;
  for (int i = 0; reader.read(frame) && static_cast<int>(out.size()) < count; ++i) {
    if (i < first || (i - first) % step) continue;
    frame.save(tmp / "f.jpg");
    out.push_back(test::slurp(tmp / "f.jpg"));
  }
  return out;
}

}  // namespace

// Teachable Machine's whole loop through the API: samples from two videos (people walking in
// vtest.avi, a tree in tree.avi), training with its progress streamed as server-sent events,
// the report (held-out accuracy, confusion, learning curve), predictions on frames it never
// saw, and the three exports: MODEL.easel (it loads), Teachable Machine's zip (its three
// files) and a C++ snippet (it compiles against easel's headers).
TEST(StudioApi, TrainsStreamsProgressPredictsAndExports) {
  test::ScratchDir dir;
  Served s(dir.path());
  json p = s.post_json("/api/projects", {{"name", "Street or tree"}});
  const std::string id = p["id"], street = class_path(p, 0), tree = class_path(p, 1);
  s.client.Patch(street.c_str(), R"({"name":"street"})", "application/json");
  s.client.Patch(tree.c_str(), R"({"name":"tree"})", "application/json");
  for (const auto& [base, video] : {std::pair{street, "vtest.avi"}, std::pair{tree, "tree.avi"}})
    for (const std::string& jpeg : frames_of(video, 0, 6, 14)) {
      auto r = s.client.Post((base + "/samples?name=f.jpg").c_str(), jpeg, "application/octet-stream");
      ASSERT_EQ(r->status, 201) << r->body;
    }
  EXPECT_EQ(s.client.Get(("/api/projects/" + id + "/model").c_str())->status, 404);  // not trained yet

  auto started = s.client.Post(("/api/projects/" + id + "/train").c_str(), R"({"epochs":30,"batch_size":8,"learning_rate":0.001})",
                               "application/json");
  ASSERT_EQ(started->status, 202) << started->body;
  EXPECT_EQ(s.client.Post(("/api/projects/" + id + "/train").c_str(), "{}", "application/json")->status, 409);  // one at a time

  // The event stream, as the page's EventSource reads it.
  std::string stream;
  httplib::Client events("127.0.0.1", s.studio.port());
  events.set_read_timeout(300, 0);
  auto r = events.Get(("/api/projects/" + id + "/train/events").c_str(), [&](const char* data, std::size_t n) {
    stream.append(data, n);
    return true;
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/event-stream");
  std::vector<json> got;
  for (std::size_t at = 0; (at = stream.find("data: ", at)) != std::string::npos; at += 6)
    got.push_back(json::parse(stream.substr(at + 6, stream.find('\n', at) - at - 6)));
  ASSERT_FALSE(got.empty()) << stream;
  EXPECT_EQ(got.front()["stage"], "features");
  EXPECT_EQ(got.back()["stage"], "done") << got.back();
  int epochs = 0;
  for (const json& e : got) epochs += e["stage"] == "epoch";
  EXPECT_EQ(epochs, 30);

  const json report = s.get_json("/api/projects/" + id + "/model");
  EXPECT_EQ(report["labels"], (json{"street", "tree"}));
  EXPECT_EQ(report["history"].size(), 30u);
  EXPECT_GE(report["evaluation"]["accuracy"].get<double>(), 0.99) << report["evaluation"];
  EXPECT_EQ(report["evaluation"]["confusion"].size(), 2u);
  ASSERT_GE(report["learning_curve"].size(), 2u) << report;
  EXPECT_GE(report["learning_curve"].back()["accuracy"].get<double>(), 0.9) << report["learning_curve"];

  // Frames it never saw (between the ones it learnt from).
  const auto predict = [&](const std::string& jpeg) {
    auto pr = s.client.Post(("/api/projects/" + id + "/predict").c_str(), jpeg, "application/octet-stream");
    EXPECT_EQ(pr->status, 200) << pr->body;
    json best;
    const json answer = json::parse(pr->body);
    for (const json& c : answer["classes"])
      if (best.is_null() || c["confidence"].get<double>() > best["confidence"].get<double>()) best = c;
    return best;
  };
  for (const std::string& jpeg : frames_of("vtest.avi", 3, 20, 3)) EXPECT_EQ(predict(jpeg)["label"], "street");
  for (const std::string& jpeg : frames_of("tree.avi", 3, 20, 3)) EXPECT_EQ(predict(jpeg)["label"], "tree");
  EXPECT_EQ(s.client.Post(("/api/projects/" + id + "/predict").c_str(), "not a photo", "application/octet-stream")->status, 422);

  // Exports.
  auto model = s.client.Get(("/api/projects/" + id + "/export/model.easel").c_str());
  ASSERT_EQ(model->status, 200);
  EXPECT_NE(model->get_header_value("Content-Disposition").find("street-or-tree.easel"), std::string::npos);
  test::write(dir / "downloaded.easel", model->body);
  EXPECT_EQ(TrainedClassifier::load(dir / "downloaded.easel").labels(), (std::vector<std::string>{"street", "tree"}));
  auto tm = s.client.Get(("/api/projects/" + id + "/export/teachable-machine.zip").c_str());
  ASSERT_EQ(tm->status, 200) << tm->body;
  test::write(dir / "tm.zip", tm->body);
  const auto members = detail::unpack_zip(dir / "tm.zip", dir / "tm");
  EXPECT_EQ(std::set<std::string>(members.begin(), members.end()), (std::set<std::string>{"metadata.json", "model.json", "weights.bin"}));
  const json metadata = json::parse(test::slurp(dir / "tm" / "metadata.json"));
  EXPECT_EQ(metadata["labels"], (json{"street", "tree"}));
  auto snippet = s.client.Get(("/api/projects/" + id + "/export/snippet.cpp").c_str());
  ASSERT_EQ(snippet->status, 200);
  test::write(dir / "snippet.cpp", snippet->body);
  const auto compiled = test::run("c++ -std=c++20 -fsyntax-only -I" + test::shell_quote(std::string(EASEL_SOURCE_DIR) + "/include") + " " +
                                  test::shell_quote((dir / "snippet.cpp").string()) + " 2>&1");
  EXPECT_EQ(compiled.exit_code, 0) << snippet->body << compiled.output;
  EXPECT_NE(snippet->body.find("street-or-tree.easel"), std::string::npos);

  // The project as one zip, imported as a new project: the same classes, samples (decoded
  // again on the way in), model and report.
  auto zipped = s.client.Get(("/api/projects/" + id + "/export/project.zip").c_str());
  ASSERT_EQ(zipped->status, 200) << zipped->body;
  auto imported = s.client.Post("/api/import?name=street-or-tree-project.zip", zipped->body, "application/octet-stream");
  ASSERT_EQ(imported->status, 201) << imported->body;
  const json copy = json::parse(imported->body);
  EXPECT_NE(copy["id"], id);
  EXPECT_EQ(copy["name"], "Street or tree");
  ASSERT_EQ(copy["classes"].size(), 2u);
  EXPECT_EQ(copy["classes"][0]["name"], "street");
  const json original = s.get_json("/api/projects/" + id);
  EXPECT_GE(original["classes"][1]["samples"].get<int>(), 10);
  EXPECT_EQ(copy["classes"][0]["samples"], original["classes"][0]["samples"]);
  EXPECT_EQ(copy["classes"][1]["samples"], original["classes"][1]["samples"]);
  EXPECT_TRUE(copy["skipped"].empty()) << copy["skipped"];
  const json copied_report = s.get_json("/api/projects/" + copy["id"].get<std::string>() + "/model");
  EXPECT_EQ(copied_report["evaluation"], report["evaluation"]);
  EXPECT_EQ(copied_report["class_ids"][1], copy["classes"][1]["id"]);

  // Teachable Machine's zip imported: a project whose classes are its labels, its model ready
  // to preview, and further training starting from it once the classes have samples.
  auto from_tm = s.client.Post("/api/import?name=street-or-tree-teachable-machine.zip", tm->body, "application/octet-stream");
  ASSERT_EQ(from_tm->status, 201) << from_tm->body;
  const json tm_project = json::parse(from_tm->body);
  const std::string tm_id = tm_project["id"];
  EXPECT_EQ(tm_project["kind"], "image");
  ASSERT_EQ(tm_project["classes"].size(), 2u);
  EXPECT_EQ(tm_project["classes"][1]["name"], "tree");
  EXPECT_EQ(s.get_json("/api/projects/" + tm_id + "/model")["imported"], "a Teachable Machine export");
  auto tm_says = s.client.Post(("/api/projects/" + tm_id + "/predict").c_str(), frames_of("tree.avi", 5, 1, 1)[0], "application/octet-stream");
  ASSERT_EQ(tm_says->status, 200) << tm_says->body;
  const json tm_answer = json::parse(tm_says->body);
  EXPECT_GT(tm_answer["classes"][1]["confidence"].get<double>(), 0.9) << tm_answer;
  for (int c = 0; c < 2; ++c)
    for (const std::string& jpeg : frames_of(c ? "tree.avi" : "vtest.avi", 1, 10, 4))
      ASSERT_EQ(s.client.Post(("/api/projects/" + tm_id + "/classes/" + tm_project["classes"][c]["id"].get<std::string>() + "/samples").c_str(),
                              jpeg, "application/octet-stream")->status, 201);
  ASSERT_EQ(s.client.Post(("/api/projects/" + tm_id + "/train").c_str(), R"({"epochs":2})", "application/json")->status, 202);
  std::string tm_stream;
  events.Get(("/api/projects/" + tm_id + "/train/events").c_str(), [&](const char* data, std::size_t n) {
    tm_stream.append(data, n);
    return true;
  });
  EXPECT_NE(tm_stream.find("\"stage\":\"done\""), std::string::npos) << tm_stream;
  // Two epochs from scratch would not be sure yet; from the imported weights it is.
  const json retrained = s.get_json("/api/projects/" + tm_id + "/model");
  EXPECT_EQ(retrained["history"].size(), 2u);
  EXPECT_GE(retrained["history"][0]["accuracy"].get<double>(), 0.99) << retrained["history"];

  // A MODEL.easel imported; anything else refused.
  auto from_easel = s.client.Post("/api/import?name=pets.easel", model->body, "application/octet-stream");
  ASSERT_EQ(from_easel->status, 201) << from_easel->body;
  EXPECT_EQ(json::parse(from_easel->body)["name"], "pets");
  EXPECT_EQ(s.client.Post("/api/import?name=x.txt", "hello", "application/octet-stream")->status, 415);
  EXPECT_EQ(s.get_json("/api/projects")["projects"].size(), 4u);
}
