// The rough edges a first user of the CLI hits: folders, several files and quoted globs
// classified file by file (a line or JSON object each, a progress bar on a terminal), the
// warnings of OpenCV, FFmpeg and libpng kept off the terminal unless --verbose,
// catalog names with a '.', and messages in the user's words.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "easel/error.h"
#include "easel/image.h"
#include "easel/npy.h"
#include "easel/tensor.h"
#include "golden_util.h"
#include "sample_media.h"
#include "test_util.h"

namespace fs = std::filesystem;
using easel::find_sample;
using easel::test::run;
using easel::test::ScratchDir;
using easel::test::shell_quote;

namespace {

std::string cli() { return easel::test::model_path_env() + std::string(EASEL_CLI); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// A folder of photos as a user keeps one: a subfolder, a note and a hidden file beside them.
fs::path photo_folder(const ScratchDir& scratch) {
  const fs::path dir = scratch / "photos";
  fs::create_directories(dir / "more");
  fs::copy_file(find_sample("orange.jpg"), dir / "orange.jpg");
  fs::copy_file(find_sample("parrot.jpg"), dir / "parrot.jpg");
  fs::copy_file(find_sample("coffee.png"), dir / "more" / "coffee.png");
  easel::test::write(dir / "notes.txt", "not a photo");
  fs::copy_file(find_sample("dog.jpg"), dir / ".hidden.jpg");
  return dir;
}

}  // namespace

TEST(CliInputs, ClassifyAFolderGivesALinePerImage) {
  ScratchDir scratch;
  const fs::path dir = photo_folder(scratch);
  auto r = run(cli() + " classify " + shell_quote(dir.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto lines = lines_of(r.output);
  ASSERT_EQ(lines.size(), 3u) << r.output;  // the note and the hidden file are left out
  EXPECT_EQ(lines[0].rfind((dir / "more" / "coffee.png").string() + ": espresso 0.", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind((dir / "orange.jpg").string() + ": orange 0.", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind((dir / "parrot.jpg").string() + ": macaw ", 0), 0u) << lines[2];

  r = run(cli() + " classify " + shell_quote(dir.string()) + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> tops;
  for (const auto& line : lines_of(r.output)) tops.push_back(nlohmann::json::parse(line)["classes"][0]["label"]);
  EXPECT_EQ(tops, (std::vector<std::string>{"espresso", "orange", "macaw"}));
}

TEST(CliInputs, AQuotedGlobIsExpanded) {
  ScratchDir scratch;
  const fs::path dir = photo_folder(scratch);
  auto r = run(cli() + " classify " + shell_quote((dir / "*.jpg").string()) + " --top 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(lines_of(r.output).size(), 2u) << r.output;
  r = run(cli() + " classify " + shell_quote((dir / "*.gif").string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("No file matches"), std::string::npos) << r.output;
}

TEST(CliInputs, AnUnreadableFileIsNamedAndTheOthersGoOn) {
  ScratchDir scratch;
  const fs::path dir = photo_folder(scratch);
  easel::test::write(dir / "broken.jpg", "this is not a JPEG");
  auto r = run(cli() + " classify " + shell_quote(dir.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("broken.jpg' is not an image"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 of 4 inputs could not be read"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("parrot.jpg: macaw"), std::string::npos) << r.output;  // after the broken one
}

TEST(CliInputs, DetectAndPoseTakeFoldersAndWriteAnAnnotatedPictureEach) {
  ScratchDir scratch;
  const fs::path dir = scratch / "in";
  fs::create_directories(dir);
  fs::copy_file(find_sample("dog.jpg"), dir / "dog.jpg");
  fs::copy_file(find_sample("messi5.jpg"), dir / "messi5.jpg");
  auto r = run(cli() + " detect " + shell_quote(dir.string()) + " --out " + shell_quote((scratch / "boxes").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto lines = lines_of(r.output);
  ASSERT_EQ(lines.size(), 2u) << r.output;
  EXPECT_NE(lines[0].find("dog.jpg: dog 0."), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("messi5.jpg: "), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("sports ball"), std::string::npos) << lines[1];
  EXPECT_EQ(easel::Image::load(scratch / "boxes" / "dog.jpg").width(), easel::Image::load(dir / "dog.jpg").width());
  EXPECT_TRUE(fs::exists(scratch / "boxes" / "messi5.jpg"));

  r = run(cli() + " pose " + shell_quote(dir.string()) + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto objects = lines_of(r.output);
  ASSERT_EQ(objects.size(), 2u) << r.output;
  const auto messi = nlohmann::json::parse(objects[1]);
  EXPECT_EQ(messi["image"], (dir / "messi5.jpg").string());
  ASSERT_GE(messi["poses"].size(), 1u);
  EXPECT_EQ(messi["poses"][0]["keypoints"].size(), 17u);
}

// --flip mirrors each picture first (ml5's flipped): the keypoints come back mirrored, and
// the left wrist is found where the right one was.
TEST(CliInputs, FlipMirrorsThePictureBeforeTheTask) {
  const std::string photo = shell_quote(find_sample("messi5.jpg"));
  const int width = easel::Image::load(find_sample("messi5.jpg")).width();
  const auto plain = run(cli() + " pose " + photo + " --model movenet-thunder --json");
  const auto flipped = run(cli() + " pose " + photo + " --model movenet-thunder --json --flip");
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  ASSERT_EQ(flipped.exit_code, 0) << flipped.output;
  const auto a = nlohmann::json::parse(plain.output)["poses"][0]["keypoints"];
  const auto b = nlohmann::json::parse(flipped.output)["poses"][0]["keypoints"];
  auto at = [](const nlohmann::json& keypoints, const std::string& name) {
    for (const auto& k : keypoints)
      if (k["name"] == name) return k;
    return nlohmann::json();
  };
  for (const auto& [left, right] : {std::pair<std::string, std::string>{"left_wrist", "right_wrist"}, {"left_hip", "right_hip"}, {"nose", "nose"}}) {
    const auto p = at(a, left), q = at(b, right);
    EXPECT_NEAR(q["x"].get<double>(), width - p["x"].get<double>(), 12.0) << left;
    EXPECT_NEAR(q["y"].get<double>(), p["y"].get<double>(), 12.0) << left;
  }
  const easel::Image image = easel::Image::load(find_sample("messi5.jpg"));
  const easel::Image mirror = image.mirrored();
  EXPECT_TRUE(std::equal(image.pixel(0, 7), image.pixel(0, 7) + 3, mirror.pixel(width - 1, 7)));
  EXPECT_TRUE(std::equal(image.pixel(width - 1, 7), image.pixel(width - 1, 7) + 3, mirror.pixel(0, 7)));
}

TEST(CliInputs, AProgressBarOnATerminalOnly) {
  ScratchDir scratch;
  const fs::path dir = scratch / "many";
  fs::create_directories(dir);
  for (const char* name : {"orange.jpg", "parrot.jpg", "coffee.png", "dog.jpg", "eagle.jpg", "giraffe.jpg"})
    fs::copy_file(find_sample(name), dir / name);
  const std::string command = cli() + " classify " + shell_quote(dir.string()) + " --top 1";
  // script(1) gives the command a terminal, as a person's shell does.
  auto tty = run("script -qec " + shell_quote(command) + " /dev/null");
  ASSERT_EQ(tty.exit_code, 0) << tty.output;
  EXPECT_NE(tty.output.find("] 5/6  "), std::string::npos) << tty.output;
  EXPECT_NE(tty.output.find("orange.jpg: orange 0."), std::string::npos) << tty.output;
  auto piped = run(command);
  ASSERT_EQ(piped.exit_code, 0) << piped.output;
  EXPECT_EQ(piped.output.find("/6"), std::string::npos) << piped.output;
  EXPECT_EQ(lines_of(piped.output).size(), 6u) << piped.output;
}

TEST(CliInputs, LibraryWarningsStayOffTheTerminalUnlessVerbose) {
  // astronaut.png carries an sRGB profile libpng warns about; a video cut short makes
  // FFmpeg's decoder complain frame by frame; a file of noise named .avi gets easel's error
  // and its hint, and nothing else.
  ScratchDir scratch;
  const std::string photo = shell_quote(find_sample("astronaut.png").string());
  auto quiet = run(cli() + " classify " + photo);
  ASSERT_EQ(quiet.exit_code, 0) << quiet.output;
  EXPECT_EQ(quiet.output.find("libpng"), std::string::npos) << quiet.output;
  auto verbose = run(cli() + " --verbose classify " + photo);
  ASSERT_EQ(verbose.exit_code, 0) << verbose.output;
  EXPECT_NE(verbose.output.find("libpng warning"), std::string::npos) << verbose.output;

  std::string noise(20000, '\0');
  for (std::size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>((i * 2654435761u) >> 13);
  easel::test::write(scratch / "noise.avi", noise);
  const std::string bad_video = shell_quote((scratch / "noise.avi").string());
  auto error = run(cli() + " classify " + bad_video);
  EXPECT_EQ(error.exit_code, 2) << error.output;
  EXPECT_NE(error.output.find("noise.avi' is not a video easel can decode"), std::string::npos) << error.output;
  EXPECT_EQ(error.output.find("WARN"), std::string::npos) << error.output;
  EXPECT_EQ(lines_of(error.output).size(), 2u) << error.output;  // the error and its hint

  const std::string video = easel::test::slurp(find_sample("vtest.avi"));
  easel::test::write(scratch / "cut.avi", video.substr(0, 5000));
  const std::string cut = shell_quote((scratch / "cut.avi").string());
  auto frames = run(cli() + " classify " + cut + " --top 1");
  EXPECT_EQ(frames.exit_code, 0) << frames.output;
  EXPECT_FALSE(lines_of(frames.output).empty()) << "no frame of the cut video was classified";
  for (const auto& line : lines_of(frames.output)) EXPECT_EQ(line.rfind("[", 0), 0u) << "not a frame's line: " << line;
  auto decoder = run(cli() + " --verbose classify " + cut + " --top 1");
  EXPECT_NE(decoder.output.find("error while decoding"), std::string::npos) << decoder.output;
}

TEST(CliInputs, ListenSpeaksTheUsersLanguage) {
  ScratchDir scratch;
  easel::test::write(scratch / "notes.wav", "not a recording");
  auto r = run(cli() + " listen " + shell_quote((scratch / "notes.wav").string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("notes.wav' is not an audio file"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("WAV, FLAC and OGG"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("load_raw_pcm"), std::string::npos) << r.output;  // an API name, not the user's words
  EXPECT_EQ(r.output.find(".)."), std::string::npos) << r.output;
}

TEST(CliInputs, ACatalogNameWithADotIsAModelNotAFile) {
  ScratchDir scratch;
  easel::Tensor image(easel::DType::u8, {1, 128, 128, 3});
  for (std::int64_t i = 0; i < image.size(); ++i) image.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(i * 7);
  easel::write_npy(scratch / "image.npy", image);
  auto r = run(cli() + " infer mobilenet-v1-0.25 --input " + shell_quote((scratch / "image.npy").string()) + " --output-dir " +
               shell_quote((scratch / "out").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(fs::is_empty(scratch / "out"));
  // A name the catalog does not know that looks like a file is still a missing file.
  r = run(cli() + " infer no-such-model.tflite --input " + shell_quote((scratch / "image.npy").string()) + " --output-dir " +
          shell_quote((scratch / "out").string()));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("There is no model file 'no-such-model.tflite'"), std::string::npos) << r.output;
}

TEST(Tensor, FromRefusesValuesThatDoNotFillTheShape) {
  EXPECT_EQ(easel::Tensor::from<float>({2, 2}, {1, 2, 3, 4}).shape(), (easel::Shape{2, 2}));
  try {
    easel::Tensor::from<float>({2, 3}, {1, 2, 3, 4});
    FAIL() << "a [2,3] tensor from 4 values";
  } catch (const easel::Error& e) {
    EXPECT_EQ(e.code(), easel::ErrorCode::bad_input);
    EXPECT_NE(std::string(e.what()).find("4 values for shape [2,3], which holds 6"), std::string::npos) << e.what();
  }
}
