// easel train / evaluate / predict / export as a user runs them, on folders of real
// handwritten digits (three classes), with a stray text file and a broken PNG among them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "digits.h"
#include "golden_util.h"
#include "test_util.h"

namespace fs = std::filesystem;
using easel::test::run;

namespace {

std::string cli() { return std::string(EASEL_CLI); }
std::string q(const fs::path& p) { return easel::test::shell_quote(p.string()); }

// train/NAME and test/NAME folders of digits 0, 1 and 2 (40 and 60 of each).
struct DigitFolders {
  easel::test::ScratchDir dir;
  const char* names[3] = {"zero", "one", "two"};
  DigitFolders() {
    for (int d = 0; d < 3; ++d) {
      fs::create_directories(dir / "train" / names[d]);
      fs::create_directories(dir / "test" / names[d]);
      for (int i = 0; i < 40; ++i) easel::test::digit_image(d, i).save(dir / "train" / names[d] / (std::to_string(i) + ".png"));
      for (int i = 100; i < 160; ++i) easel::test::digit_image(d, i).save(dir / "test" / names[d] / (std::to_string(i) + ".png"));
    }
    easel::test::write(dir / "train" / "one" / "readme.txt", "these are ones");
    easel::test::write(dir / "train" / "two" / "broken.png", "\x89PNG\r\n not really");
  }
  std::string classes(const std::string& part) const {
    std::string s;
    for (const char* n : names) s += " --class " + std::string(n) + "=" + q(dir.path() / part / n);
    return s;
  }
  std::string env() const { return "EASEL_FEATURE_CACHE=" + q(dir.path() / "cache") + " "; }
};

double accuracy_of(const std::string& output) {
  const auto at = output.find("accuracy ");
  return at == std::string::npos ? -1 : std::atof(output.c_str() + at + 9);
}

TEST(CliTrain, TrainEvaluatePredictExport) {
  DigitFolders f;
  const fs::path model = f.dir / "digits.easel";
  auto r = run(f.env() + cli() + " train image" + f.classes("train") + " -o " + q(model) + " --epochs 30 --report " + q(f.dir / "report"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("skipped " + (f.dir / "train" / "one" / "readme.txt").string() + ": not an image"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("skipped " + (f.dir / "train" / "two" / "broken.png").string()), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("120 examples (zero 40, one 40, two 40)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("epoch 30/30  loss"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("saved " + model.string() + ": 3 classes, 120 examples, 30 epochs"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("on the 18 held-out examples"), std::string::npos) << r.output;
  for (const char* file : {"evaluation.txt", "evaluation.json", "confusion.png", "history.csv"}) EXPECT_TRUE(fs::exists(f.dir / "report" / file)) << file;

  // On a terminal, extraction draws a bar with the time left (script(1) gives it one).
  r = run("script -qec " + easel::test::shell_quote(f.env() + cli() + " train image" + f.classes("train") + " -o " + q(f.dir / "again.easel") +
                                                  " --epochs 2 -q --no-cache") +
          " /dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("/121  ETA "), std::string::npos) << r.output;

  // The test digits, never seen in training.
  r = run(f.env() + cli() + " evaluate " + q(model) + f.classes("test"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_GT(accuracy_of(r.output), 0.9) << r.output;
  EXPECT_NE(r.output.find("(rows: true class, columns: predicted)"), std::string::npos) << r.output;
  r = run(f.env() + cli() + " evaluate " + q(model) + f.classes("test") + " --folds 3 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"examples\": 180"), std::string::npos) << r.output;

  // predict: the first line is the top label and its confidence.
  r = run(cli() + " predict " + q(model) + " " + q(f.dir / "test" / "one" / "120.png"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.substr(0, 4), "one ") << r.output;
  const double confidence = std::atof(r.output.c_str() + 4);
  EXPECT_GT(confidence, 0.5);
  EXPECT_LE(confidence, 1.0);

  // export to Teachable Machine's layout, which `easel classify` opens as any export.
  r = run(cli() + " export " + q(model) + " --format tm -o " + q(f.dir / "tm"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* file : {"model.json", "weights.bin", "metadata.json"}) EXPECT_TRUE(fs::exists(f.dir / "tm" / file)) << file;
  r = run(cli() + " classify " + q(f.dir / "test" / "two" / "150.png") + " --model " + q(f.dir / "tm"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto p = run(cli() + " predict " + q(model) + " " + q(f.dir / "test" / "two" / "150.png"));
  EXPECT_EQ(r.output.substr(0, r.output.find(' ')), p.output.substr(0, p.output.find(' '))) << r.output << p.output;

  // Retraining from the export with a fourth class.
  fs::create_directories(f.dir / "train" / "three");
  for (int i = 0; i < 20; ++i) easel::test::digit_image(3, i).save(f.dir / "train" / "three" / (std::to_string(i) + ".png"));
  r = run(f.env() + cli() + " train image" + f.classes("train") + " --class three=" + q(f.dir / "train" / "three") + " --from " + q(f.dir / "tm") +
          " -o " + q(f.dir / "four.easel") + " --epochs 10 -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("4 classes"), std::string::npos) << r.output;
}

TEST(CliTrain, MistakesGetClearErrorsAndExitCodes) {
  DigitFolders f;
  // One class only.
  auto r = run(f.env() + cli() + " train image --class zero=" + q(f.dir / "train" / "zero") + " -o " + q(f.dir / "m.easel"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("at least two classes"), std::string::npos) << r.output;
  // An empty class.
  fs::create_directories(f.dir / "empty");
  r = run(f.env() + cli() + " train image" + f.classes("train") + " --class none=" + q(f.dir / "empty") + " -o " + q(f.dir / "m.easel"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("'none' has no examples"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(f.dir / "m.easel"));
  // A malformed --class and a missing folder.
  r = run(cli() + " train image --class zero -o " + q(f.dir / "m.easel"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("NAME=FOLDER"), std::string::npos) << r.output;
  r = run(cli() + " train image --class a=/no/such/folder --class b=/no/such/other -o " + q(f.dir / "m.easel"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("/no/such/folder"), std::string::npos) << r.output;
  // A damaged model file: exit code 4 (bad model), its name in the message.
  easel::test::write(f.dir / "bad.easel", "EASELMDL\x01\x00\x00\x00garbage");
  r = run(cli() + " predict " + q(f.dir / "bad.easel") + " " + q(f.dir / "test" / "one" / "120.png"));
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_NE(r.output.find("bad.easel"), std::string::npos) << r.output;
  r = run(cli() + " export " + q(f.dir / "bad.easel") + " -o " + q(f.dir / "out"));
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_FALSE(fs::exists(f.dir / "out"));
}

}  // namespace

namespace {

TEST(CliTrain, TableTrainPredictEvaluate) {
  easel::test::ScratchDir dir;
  // Palmer penguins without the rows missing a value, every third one kept for testing.
  std::istringstream in(easel::test::slurp(easel::find_sample("penguins.csv")));
  std::string header, line, train, test;
  std::getline(in, header);
  train = test = header + "\n";
  for (int i = 0; std::getline(in, line);)
    if (line.find("NA") == std::string::npos) (i++ % 3 == 2 ? test : train) += line + "\n";
  easel::test::write(dir / "train.csv", train);
  easel::test::write(dir / "test.csv", test);

  auto r = run(cli() + " train table " + q(dir / "train.csv") + " --target species --inputs island,bill_length_mm,bill_depth_mm,flipper_length_mm,sex" +
               " --epochs 30 -o " + q(dir / "net"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("222 rows, 5 inputs -> species (classification)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("epoch 30/30  loss"), std::string::npos) << r.output;
  for (const char* f : {"model.json", "model.weights.bin", "model_meta.json"}) EXPECT_TRUE(fs::exists(dir / "net" / f)) << f;

  // A Gentoo's measurements (the first Gentoo of the test rows).
  r = run(cli() + " predict " + q(dir / "net") + " island=Biscoe bill_length_mm=46.1 bill_depth_mm=13.2 flipper_length_mm=211 sex=female");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.substr(0, 7), "Gentoo ") << r.output;
  r = run(cli() + " evaluate " + q(dir / "net") + " --table " + q(dir / "test.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_GT(accuracy_of(r.output), 0.9) << r.output;
  EXPECT_NE(r.output.find("of 111)"), std::string::npos) << r.output;

  // Numbers to learn: a regression, said so.
  r = run(cli() + " train table " + q(dir / "train.csv") + " --target body_mass_g --inputs species,flipper_length_mm,sex --lr 0.01 --epochs 40 -q -o " +
          q(dir / "mass"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("a regression"), std::string::npos) << r.output;
  r = run(cli() + " predict " + q(dir / "mass") + " species=Gentoo flipper_length_mm=220 sex=male");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(r.output.substr(0, 12), "body_mass_g ") << r.output;
  const double grams = std::atof(r.output.c_str() + 12);
  EXPECT_GT(grams, 4800);  // male Gentoos of that size weigh 5-6 kg
  EXPECT_LT(grams, 6500);

  // Mistakes.
  r = run(cli() + " train table " + q(dir / "train.csv") + " --target wingspan -o " + q(dir / "x"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no column 'wingspan'"), std::string::npos) << r.output;
  r = run(cli() + " train table " + q(easel::find_sample("penguins.csv")) + " --target species -o " + q(dir / "x"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("has 'NA'"), std::string::npos) << r.output;
  r = run(cli() + " predict " + q(dir / "net") + " island=Atlantis bill_length_mm=46.1 bill_depth_mm=13.2 flipper_length_mm=211 sex=female");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("never 'Atlantis'"), std::string::npos) << r.output;
}

}  // namespace
