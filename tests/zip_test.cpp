// Zip files from anywhere: Teachable Machine's official export fetched from the zip its
// repository publishes (the manifest's own URLs, served from files here), datasets given
// as zips (a class's samples, or a folder of classes), and hostile zips (paths out of the
// folder, links, bombs, damage) refused by name with nothing written outside.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "core/zip_archive.h"
#include "easel/dataset.h"
#include "easel/error.h"
#include "easel/image.h"
#include "easel/model.h"
#include "easel/model_store.h"
#include "test_util.h"
#include "zip_writer.h"

namespace fs = std::filesystem;
using namespace easel;

using test::Member;
using test::write_zip;

namespace {

std::string png_of(int shade) {
  std::vector<std::uint8_t> rgb(16 * 16 * 3, static_cast<std::uint8_t>(shade));
  test::ScratchDir tmp;
  Image(16, 16, rgb.data()).save(tmp / "x.png");
  return test::slurp(tmp / "x.png");
}

// The files under `dir`, relative, sorted.
std::vector<std::string> files_under(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() || e.is_symlink()) out.push_back(fs::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

// The manifest's own source for tm-image-2019 (Teachable Machine's repository: its LICENSE
// and the members of image-model.zip), with the repository's address replaced by a folder
// here holding a zip of the same files: the store unpacks the three members, verifies them
// and the export runs.
TEST(ZipSource, TeachableMachineExportComesOutOfItsZip) {
  const fs::path shared = test::shared_dir() / "models" / "tm-image-official-2019";
  if (!fs::exists(shared / "model.json")) EASEL_SKIP_UNLESS_REQUIRED("../shared/models/tm-image-official-2019 is not here");
  test::ScratchDir dir;
  const ModelStore builtin;
  const ModelSpec& spec = builtin.spec("tm-image-2019");
  const ModelSource* url = nullptr;
  for (const ModelSource& s : spec.sources)
    if (s.type == "url") url = &s;
  ASSERT_NE(url, nullptr) << "tm-image-2019 has no source a user's machine can fetch";
  const std::string repo = "https://raw.githubusercontent.com/googlecreativelab/teachablemachine-community/";
  nlohmann::json files = nlohmann::json::object(), entries = nlohmann::json::array();
  std::vector<Member> members;
  std::string zip_path;
  for (const ModelFile& f : spec.files) {
    std::string where = url->files.at(f.path);
    ASSERT_EQ(where.rfind(repo, 0), 0u) << where;
    where = "file://" + (dir / "repo").string() + "/" + where.substr(repo.size());
    const auto hash = where.find('#');
    if (hash == std::string::npos) {
      fs::create_directories(fs::path(where.substr(7)).parent_path());
      fs::copy_file(shared / f.path, where.substr(7));
    } else {
      zip_path = where.substr(7, hash - 7);
      members.push_back({where.substr(hash + 1), test::slurp(shared / f.path)});
    }
    files[f.path] = where;
    entries.push_back({{"path", f.path}, {"size", f.size}, {"sha256", f.sha256}});
  }
  ASSERT_EQ(members.size(), 3u);
  members.insert(members.begin() + 1, {"__MACOSX/._model.json", "resource fork"});  // as macOS zips them
  fs::create_directories(fs::path(zip_path).parent_path());
  write_zip(zip_path, members);
  const nlohmann::json manifest = {{"models",
                                    {{{"name", "tm-zipped"}, {"task", "image-classification"}, {"format", "tfjs-layers"}, {"license", "Apache-2.0"},
                                      {"entry", "model.json"}, {"files", entries}, {"sources", {{{"type", "url"}, {"files", files}}}}}}}};
  ModelStoreOptions o;
  o.cache_dir = dir / "cache";
  o.manifest_json = manifest.dump();
  ModelStore store(o);
  const LocatedModel got = store.pull("tm-zipped");
  EXPECT_TRUE(store.verify("tm-zipped").ok());
  EXPECT_EQ(files_under(got.dir), (std::vector<std::string>{"LICENSE.txt", "metadata.json", "model.json", "weights.bin"}));
  Model model = Model::load((got.dir / "model.json").string());
  Tensor x(DType::f32, {1, 224, 224, 3});
  const Tensor y = model.run({x}).at(0);
  EXPECT_EQ(y.size(), 2);
  EXPECT_NEAR(y.at(0) + y.at(1), 1.0, 1e-5);
  // The zip is kept: pulling again after a file is lost downloads nothing new.
  fs::remove(got.dir / "weights.bin");
  fs::remove(zip_path);
  EXPECT_NO_THROW(store.pull("tm-zipped"));
  EXPECT_TRUE(store.verify("tm-zipped").ok());
}

// A class's examples as a zip (Teachable Machine's downloaded samples), and a folder of
// classes zipped whole: the same dataset as the folders, unpacked once by content.
TEST(ZipDataset, ZipsServeAsClassFolders) {
  test::ScratchDir dir;
  setenv("EASEL_DATASET_CACHE", (dir / "unpacked").c_str(), 1);
  write_zip(dir / "cats.zip", {{"cat1.png", png_of(10)}, {"more/cat2.png", png_of(20)}, {"readme.txt", "not a cat"}});
  write_zip(dir / "dogs.zip", {{"dog1.png", png_of(200)}});
  const Dataset data = Dataset::from_folders({{"cat", dir / "cats.zip"}, {"dog", dir / "dogs.zip"}});
  EXPECT_EQ(data.counts(), (std::vector<int>{2, 1}));
  ASSERT_EQ(data.skipped.size(), 1u);
  EXPECT_EQ(data.skipped[0].file.filename(), "readme.txt");
  EXPECT_EQ(Image::load(data.files[0].file).width(), 16);
  // Unpacked once: the same zip again reads the same folder.
  const Dataset again = Dataset::from_folders({{"cat", dir / "cats.zip"}, {"dog", dir / "dogs.zip"}});
  EXPECT_EQ(again.files[0].file, data.files[0].file);

  write_zip(dir / "pets.zip", {{"pets/dog/a.png", png_of(1)}, {"pets/cat/b.png", png_of(2)}, {"pets/cat/c.png", png_of(3)},
                               {"__MACOSX/pets/._cat", "x"}});
  const Dataset pets = Dataset::from_folder_of_classes(dir / "pets.zip");
  EXPECT_EQ(pets.labels, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(pets.counts(), (std::vector<int>{2, 1}));

  // Not a zip, not a folder: said so.
  test::write(dir / "notes.zip", "these are notes");
  try {
    Dataset::from_folders({{"cat", dir / "notes.zip"}});
    ADD_FAILURE() << "a text file served as a class";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("neither a folder nor a zip"), std::string::npos) << e.what();
  }
  unsetenv("EASEL_DATASET_CACHE");
}

// Paths out of the folder, links, more bytes than allowed and damage: refused, naming the
// zip and the member, and nothing is written outside the destination.
TEST(ZipDataset, HostileZipsAreRefusedByName) {
  test::ScratchDir dir;
  fs::create_directories(dir / "out");
  const auto refused = [&](const std::vector<Member>& members, const std::string& words, detail::ZipLimits limits = {}) {
    const fs::path zip = dir / "hostile.zip";
    fs::remove(zip);
    write_zip(zip, members);
    try {
      detail::unpack_zip(zip, dir / "out", {}, limits);
      ADD_FAILURE() << "unpacked: " << words;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::bad_input);
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("hostile.zip"), std::string::npos) << e.what();
    }
  };
  refused({{"ok.txt", "fine"}, {"../escaped.txt", "out"}}, "'../escaped.txt', a path outside");
  refused({{"a/../../escaped.txt", "out"}}, "a path outside");
  refused({{"/tmp/absolute-escape.txt", "out"}}, "a path outside");
  refused({{"link", "/etc/passwd", true}}, "'link', which is a link");
  // A bomb: a megabyte of zeros (a few kB zipped) against a limit of 100 kB, counted as it
  // unpacks, not as the header says.
  refused({{"zeros.bin", std::string(1 << 20, '\0')}}, "larger than", {.max_total_bytes = 1 << 20, .max_file_bytes = 100 << 10});
  refused({{"a", "1"}, {"b", "2"}, {"c", "3"}}, "more than 2 files", {.max_files = 2});
  EXPECT_FALSE(fs::exists(dir / "escaped.txt"));
  EXPECT_FALSE(fs::exists(dir.path().parent_path() / "escaped.txt"));
  EXPECT_FALSE(fs::exists("/tmp/absolute-escape.txt"));
  // Damaged: a good zip cut short.
  write_zip(dir / "good.zip", {{"data.bin", std::string(200000, 'x') + "tail"}});
  const std::string bytes = test::slurp(dir / "good.zip");
  test::write(dir / "cut.zip", bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW(detail::unpack_zip(dir / "cut.zip", dir / "out2"), Error);
  // A wanted member that is not there.
  try {
    detail::unpack_zip(dir / "good.zip", dir / "out3", {"model.json"});
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no member 'model.json'"), std::string::npos) << e.what();
  }
}
