// Train your own with the keyboard (ml5's featureExtractor + KNNClassifier): hold up
// something and press 1, 2 or 3 to give the camera's picture as an example of that class;
// from the first example on, every frame is classified. c clears, q quits.
//
//   train_knn                      the first camera, in a window
//   train_knn a.avi b.avi [c.avi]  videos instead: the first 10 frames of each are the
//                                  examples of class 1, 2, 3 (as if the key were pressed
//                                  on them), then the frames after are classified
#include <easel/easel.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

int camera_sketch(easel::FeatureExtractor& features, easel::KnnClassifier& knn) {
  auto camera = easel::VideoReader::camera(0);
  auto window = easel::Window::open("train your own: 1, 2, 3 add examples");
  easel::Image frame;
  while (camera.read(frame) && window.is_open()) {
    const std::vector<float> f = features.extract(frame);
    const int key = window.key(1);
    if (key == 'q') break;
    if (key == 'c') knn.clear_all_labels();
    if (key >= '1' && key <= '3') {
      knn.add_example(f, std::string(1, static_cast<char>(key)));
      std::printf("example of %c (%lld in all)\n", key, static_cast<long long>(knn.example_count()));
    }
    if (knn.example_count() > 0) {
      const easel::KnnResult r = knn.classify(f);
      easel::draw_text(frame, "class " + r.label + " " + std::to_string(static_cast<int>(r.confidence * 100)) + "%", 10, 10, {}, 1.0);
    } else {
      easel::draw_text(frame, "press 1, 2 or 3 to add an example", 10, 10);
    }
    window.show(frame);
  }
  return 0;
}

int video_sketch(easel::FeatureExtractor& features, easel::KnnClassifier& knn, const std::vector<std::string>& videos) {
  constexpr int kExamples = 10, kTried = 30;
  for (std::size_t c = 0; c < videos.size(); ++c) {  // "pressing" 1, 2, 3 on each video's start
    auto video = easel::VideoReader::open(videos[c]);
    easel::Image frame;
    for (int n = 0; n < kExamples && video.read(frame); ++n) knn.add_example(features.extract(frame), std::to_string(c + 1));
  }
  std::printf("%lld examples of %zu classes\n", static_cast<long long>(knn.example_count()), videos.size());
  for (std::size_t c = 0; c < videos.size(); ++c) {
    auto video = easel::VideoReader::open(videos[c]);
    easel::Image frame;
    int right = 0, tried = 0;
    for (int n = 0; n < kExamples + kTried && video.read(frame); ++n) {
      if (n < kExamples) continue;  // the examples themselves
      const easel::KnnResult r = knn.classify(features.extract(frame));
      right += r.label == std::to_string(c + 1);
      ++tried;
    }
    std::printf("%s (class %zu): %d of %d frames classified as %zu\n", videos[c].c_str(), c + 1, right, tried, c + 1);
  }
  return 0;
}

int main(int argc, char** argv) {
  try {
    auto features = easel::FeatureExtractor::create();  // Teachable Machine's MobileNet
    easel::KnnClassifier knn;
    if (argc < 2) return camera_sketch(features, knn);
    return video_sketch(features, knn, std::vector<std::string>(argv + 1, argv + std::min(argc, 4)));
  } catch (const easel::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
