// ImageSegmenter against the TF.js runtime of @tensorflow-models/body-segmentation 1.0.2
// (MediaPipe selfie segmentation), run under node on the same model files and pixels
// (tests/mediapipe_oracle/body_oracle.js): the person masks agree pixel for pixel but for
// resampling; DeepLab finds the people, horse and dog of darknet's photo where they are; the
// background helpers blur and replace only the background.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "easel/error.h"
#include "easel/face.h"
#include "easel/hands.h"
#include "easel/pose.h"
#include "easel/segmentation.h"
#include "mediapipe_oracle.h"
#include "test_util.h"

namespace easel {
namespace {

namespace fs = std::filesystem;

TEST(ImageSegmenter, PersonMasksMatchTfjsBodySegmentation) {
  EASEL_NEEDS_MEDIAPIPE_ORACLE();
  test::ScratchDir dir;
  for (const auto& [model, type] : {std::pair<std::string, std::string>{"selfie", "general"}, {"meet", "landscape"}})
    for (const std::string photo : {"squat.bmp", "grace_hopper.bmp", "person.jpg"}) {
      SCOPED_TRACE(model + " " + photo);
      const Image image = test::photo(photo);
      const fs::path npy = test::write_image_npy(image, dir / "in.npy");
      test::mediapipe_oracle("body_oracle.js", "segment --model " + test::shell_quote(test::store_model_file(model).string()) + " --image " +
                                                   test::shell_quote(npy.string()) + " --out " + test::shell_quote((dir / "mask.npy").string()) +
                                                   " --model-type " + type);
      const Tensor want = read_npy(dir / "mask.npy");
      ASSERT_EQ(want.size(), static_cast<std::int64_t>(image.width()) * image.height());
      const Segmentation got = ImageSegmenter::create({.model = model}).segment(image);
      ASSERT_EQ(got.confidence.size(), static_cast<std::size_t>(want.size()));
      double sum = 0;
      std::size_t both = 0, either = 0;
      for (std::size_t i = 0; i < got.confidence.size(); ++i) {
        const float w = want.data<float>()[i];
        sum += std::abs(got.confidence[i] - w);
        both += (got.confidence[i] >= 0.5f) && (w >= 0.5f);
        either += (got.confidence[i] >= 0.5f) || (w >= 0.5f);
      }
      const double iou = either ? static_cast<double>(both) / static_cast<double>(either) : 1.0;
      std::printf("%s %s: mean difference %.4f, IoU %.4f, person %.3f\n", model.c_str(), photo.c_str(), sum / static_cast<double>(want.size()), iou,
                  got.coverage("person"));
      // Seen: mean 1e-4, IoU 0.9986 to 0.9999.
      EXPECT_LT(sum / static_cast<double>(want.size()), 0.001);
      EXPECT_GT(iou, 0.995);
    }
}

TEST(ImageSegmenter, DeeplabFindsThePeopleAndAnimalsWhereTheyAre) {
  // darknet's dog.jpg: a dog, a bicycle and a car. This small quantized DeepLab (MobileNet
  // v2 at half width) sees all three and little else.
  const Segmentation d = ImageSegmenter::create({.model = "deeplabv3"}).segment(test::photo("dog.jpg"));
  ASSERT_EQ(d.labels.size(), 21u);
  std::printf("dog.jpg: dog %.3f bicycle %.3f car %.3f background %.3f\n", d.coverage("dog"), d.coverage("bicycle"), d.coverage("car"), d.coverage("background"));
  EXPECT_GT(d.coverage("dog"), 0.05f);
  EXPECT_GT(d.coverage("bicycle"), 0.08f);
  EXPECT_GT(d.coverage("car"), 0.01f);
  EXPECT_GT(d.coverage("dog") + d.coverage("bicycle") + d.coverage("car") + d.coverage("background"), 0.98f);
  // darknet's person.jpg: a woman between her dog (left) and a horse (right). The model
  // takes much of both animals for a cow, but finds the person in the middle, and animals
  // (cow, horse, dog, sheep) to either side of her.
  const Image photo = test::photo("person.jpg");
  const Segmentation s = ImageSegmenter::create({.model = "deeplabv3"}).segment(photo);
  ASSERT_EQ(s.classes.size(), static_cast<std::size_t>(photo.width()) * photo.height());
  EXPECT_GT(s.coverage("person"), 0.03f);
  const int person = s.label_index("person");
  double person_x = 0, left_animals = 0, right_animals = 0;
  std::size_t people = 0;
  for (int y = 0; y < s.height; ++y)
    for (int x = 0; x < s.width; ++x) {
      const std::string& label = s.labels[s.classes[static_cast<std::size_t>(y) * s.width + x]];
      if (s.classes[static_cast<std::size_t>(y) * s.width + x] == person) person_x += x, ++people;
      if (label == "cow" || label == "horse" || label == "dog" || label == "sheep") (x < s.width / 3 ? left_animals : right_animals) += 1;
    }
  const double total = static_cast<double>(s.classes.size());
  EXPECT_NEAR(person_x / static_cast<double>(people), 0.36 * s.width, 0.1 * s.width);
  EXPECT_GT(left_animals / total, 0.01);
  EXPECT_GT(right_animals / total, 0.05);
  EXPECT_THROW((void)s.coverage("unicorn"), Error);
  // The legend's colours: PASCAL VOC's map.
  EXPECT_EQ(segmentation_color(15).r, 192);  // person
  EXPECT_EQ(segmentation_color(15).g, 128);
  EXPECT_EQ(segmentation_color(15).b, 128);
  EXPECT_EQ(segmentation_color(0).r + segmentation_color(0).g + segmentation_color(0).b, 0);
}

TEST(ImageSegmenter, BlurAndReplaceTouchOnlyTheBackground) {
  const Image photo = test::photo("grace_hopper.bmp");
  const Segmentation s = ImageSegmenter::create().segment(photo);
  const Image blurred = blur_background(photo, s);
  const Image beach = test::photo("starry_night.jpg");
  const Image replaced = replace_background(photo, s, beach);
  // Where the model is sure of the person, the pixels are the photo's; where it is sure of
  // the background, blurred (smoother) or the new picture's.
  double person_change = 0, background_change = 0;
  std::size_t people = 0, backgrounds = 0;
  for (std::size_t i = 0; i < s.confidence.size(); ++i) {
    const double d = std::abs(int(replaced.data()[3 * i]) - int(photo.data()[3 * i]));
    if (s.confidence[i] > 0.99f) person_change += std::abs(int(blurred.data()[3 * i]) - int(photo.data()[3 * i])) + d, ++people;
    if (s.confidence[i] < 0.01f) background_change += d, ++backgrounds;
  }
  ASSERT_GT(people, 1000u);
  ASSERT_GT(backgrounds, 1000u);
  EXPECT_LT(person_change / static_cast<double>(people), 2.0);
  EXPECT_GT(background_change / static_cast<double>(backgrounds), 20.0);
  // A segmentation of another image is refused.
  EXPECT_THROW((void)blur_background(beach, s), Error);
  EXPECT_THROW((void)ImageSegmenter::create({.model = "facemesh"}), Error);
}

}  // namespace
}  // namespace easel

namespace easel {
namespace {

// Pictures of any size, however odd, give an answer and never a crash: one pixel, a line,
// a strip 40 times wider than tall, through every new task.
TEST(MediapipeTasks, OddPictureSizesAreHandled) {
  FaceDetector faces = FaceDetector::create();
  FaceMesh mesh = FaceMesh::create();
  HandPose hands = HandPose::create();
  ImageSegmenter segmenter = ImageSegmenter::create();
  PoseEstimator blazepose = PoseEstimator::create({.model = "blazepose-lite"});
  const Image photo = test::photo("grace_hopper.bmp");
  for (const auto& [w, h] : {std::pair{1, 1}, {1, 300}, {300, 1}, {2000, 50}, {7, 5}}) {
    SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h));
    const Image picture = photo.resized(w, h);
    EXPECT_NO_THROW((void)faces.detect(picture));
    EXPECT_NO_THROW((void)mesh.track(picture));
    EXPECT_NO_THROW((void)hands.track(picture));
    EXPECT_NO_THROW((void)blazepose.track(picture));
    const Segmentation s = segmenter.segment(picture);
    EXPECT_EQ(s.classes.size(), static_cast<std::size_t>(w) * h);
    EXPECT_EQ(blur_background(picture, s).width(), w);
  }
}

}  // namespace
}  // namespace easel
