// easel style, write and draw as a person runs them: the outputs they promise, the same
// text and sketch again for the same --random-seed, and a clear error with the right exit
// code for a wrong style, label, seed or temperature.
#include <gtest/gtest.h>

#include "easel/char_rnn.h"
#include "easel/image.h"
#include "test_util.h"

namespace fs = std::filesystem;
using easel::test::run;
using easel::test::ScratchDir;

namespace {

std::string cli() { return std::string(EASEL_CLI); }
bool have_ml5_models() { return fs::exists(easel::test::shared_dir() / "models" / "ml5-charrnn-shakespeare"); }

}  // namespace

TEST(CliGenerative, WritePrintsTheSeedAndTheLibrarysText) {
  if (!have_ml5_models()) EASEL_SKIP_UNLESS_REQUIRED("../shared/models has no ml5 models");
  const auto r = run(cli() + " write --seed 'ROMEO:' --length 80 --random-seed 42 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  easel::CharRnn rnn = easel::CharRnn::create({.random_seed = 42});
  EXPECT_EQ(r.output, "ROMEO:" + rnn.generate({.seed = "ROMEO:", .length = 80}) + "\n");
  EXPECT_EQ(run(cli() + " write --seed 'ROMEO:' --length 80 --random-seed 42 2>&1").output, r.output);
  EXPECT_NE(run(cli() + " write --seed 'ROMEO:' --length 80 --random-seed 43 2>&1").output, r.output);
  // Bolaño's model writes Spanish, accents included.
  const auto b = run(cli() + " write --model bolano --seed 'La noche ' --length 200 --random-seed 1 2>&1");
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_GT(b.output.size(), 200u);
}

TEST(CliGenerative, WriteRefusesBadRequests) {
  if (!have_ml5_models()) EASEL_SKIP_UNLESS_REQUIRED("../shared/models has no ml5 models");
  auto r = run(cli() + " write --seed '' 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("The seed is empty."), std::string::npos) << r.output;
  r = run(cli() + " write --seed 'Hi' --temperature 0 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("The temperature must be more than 0"), std::string::npos) << r.output;
  r = run(cli() + " write --seed '{x}' 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("The character '{' is not in the model's vocabulary"), std::string::npos) << r.output;
  r = run(cli() + " write --model nowhere/model --seed 'Hi' 2>&1");
  EXPECT_EQ(r.exit_code, 3) << r.output;
}

TEST(CliGenerative, DrawWritesASketchAndAWalk) {
  if (!have_ml5_models()) EASEL_SKIP_UNLESS_REQUIRED("../shared/models has no ml5 models");
  ScratchDir dir;
  auto r = run(cli() + " draw owl -o " + (dir / "owl.png").string() + " --random-seed 5 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const easel::Image owl = easel::Image::load(dir / "owl.png");
  EXPECT_EQ(owl.width(), 280);
  EXPECT_EQ(owl.height(), 280);
  r = run(cli() + " draw owl -o " + (dir / "owl2.png").string() + " --random-seed 5 2>&1");
  EXPECT_EQ(easel::test::slurp(dir / "owl.png"), easel::test::slurp(dir / "owl2.png"));
  r = run(cli() + " draw apple --to moon --steps 6 --size 56 -o " + (dir / "walk.png").string() + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const easel::Image walk = easel::Image::load(dir / "walk.png");
  EXPECT_EQ(walk.width(), 6 * 56);
  EXPECT_EQ(walk.height(), 56);
  r = run(cli() + " draw unicorn -o " + (dir / "u.png").string() + " 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("The model cannot draw 'unicorn'."), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("airplane, alarm_clock"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "u.png"));
}

TEST(CliGenerative, StylePaintsAPhotoAndNamesTheStyles) {
  if (!have_ml5_models()) EASEL_SKIP_UNLESS_REQUIRED("../shared/models has no ml5 models");
  ScratchDir dir;
  const easel::Image photo = easel::test::photo("grace_hopper.bmp").resized(120, 140);
  photo.save(dir / "photo.png");
  auto r = run(cli() + " style " + (dir / "photo.png").string() + " --style scream -o " + (dir / "scream.png").string() + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("painted in scream"), std::string::npos) << r.output;
  const easel::Image painted = easel::Image::load(dir / "scream.png");
  EXPECT_EQ(painted.width(), 120);
  EXPECT_EQ(painted.height(), 140);
  r = run(cli() + " style --list 2>&1");
  EXPECT_EQ(r.output, "la_muse\nmathura\nmatilde_perez\nmatta\nrain_princess\nscream\nudnie\nwave\nwreck\n");
  r = run(cli() + " style " + (dir / "photo.png").string() + " --style monet -o " + (dir / "x.png").string() + " 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("There is no style 'monet'"), std::string::npos) << r.output;
  r = run(cli() + " style " + (dir / "photo.png").string() + " 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("-o OUT"), std::string::npos) << r.output;
}
