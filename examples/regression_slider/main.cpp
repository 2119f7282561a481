// A slider the camera moves (ml5's featureExtractor with a regression): set the slider
// with - and +, press a to give the picture as an example of that value, t to train; then
// the slider follows what the camera sees. q quits.
//
//   regression_slider            the first camera, in a window
//   regression_slider clip.avi   a video instead: the slider is how far into the video a
//                                frame is (0 to 1); every 4th frame is an example, and the
//                                network then guesses it for the frames between
#include <easel/easel.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

// The network is ml5's neuralNetwork({task: "regression"}) on the picture's 1280 features, with
// a learning rate of 0.01: ml5's 0.2 overshoots on so many inputs and learns nothing.
std::vector<double> as_doubles(const std::vector<float>& f) { return {f.begin(), f.end()}; }

void train(easel::NeuralNetwork& network) {
  network.normalize_data();
  network.train({.epochs = 60, .batch_size = 16, .validation_split = 0});
}

void draw_slider(easel::Image& frame, double value, const std::string& text) {
  const int y0 = frame.height() - 30, x1 = static_cast<int>(std::clamp(value, 0.0, 1.0) * (frame.width() - 1));
  for (int y = y0; y < y0 + 20; ++y)
    for (int x = 0; x <= x1; ++x) {
      std::uint8_t* p = frame.data() + (static_cast<std::size_t>(y) * frame.width() + x) * 3;
      p[0] = 0, p[1] = 180, p[2] = 255;
    }
  easel::draw_text(frame, text, 10, y0 - 30);
}

int camera_sketch(easel::FeatureExtractor& features) {
  easel::NeuralNetwork network({.task = easel::NeuralNetworkTask::regression, .learning_rate = 0.01f});
  auto camera = easel::VideoReader::camera(0);
  auto window = easel::Window::open("regression slider: - + set, a adds, t trains");
  easel::Image frame;
  double slider = 0.5;
  bool trained = false;
  while (camera.read(frame) && window.is_open()) {
    const std::vector<float> f = features.extract(frame);
    const int key = window.key(1);
    if (key == 'q') break;
    if (key == '-') slider = std::max(0.0, slider - 0.05);
    if (key == '+' || key == '=') slider = std::min(1.0, slider + 0.05);
    if (key == 'a') network.add_data(as_doubles(f), std::vector<double>{slider});
    if (key == 't' && network.data_size() >= 2) {
      train(network);
      trained = true;
    }
    if (trained) slider = network.predict(as_doubles(f))[0].value;
    draw_slider(frame, slider, (trained ? "predicted " : "examples: " + std::to_string(network.data_size()) + ", slider ") + std::to_string(slider).substr(0, 4));
    window.show(frame);
  }
  return 0;
}

int video_sketch(easel::FeatureExtractor& features, const char* file) {
  std::vector<std::vector<double>> frames;
  {
    auto video = easel::VideoReader::open(file);
    easel::Image frame;
    while (video.read(frame)) frames.push_back(as_doubles(features.extract(frame)));
  }
  if (frames.size() < 8) return std::fprintf(stderr, "%s is too short: 8 frames at least\n", file), 1;
  const auto where = [&](std::size_t i) { return static_cast<double>(i) / static_cast<double>(frames.size() - 1); };
  easel::NeuralNetwork network({.task = easel::NeuralNetworkTask::regression, .learning_rate = 0.01f});
  for (std::size_t i = 0; i < frames.size(); i += 4) network.add_data(frames[i], std::vector<double>{where(i)});
  train(network);
  double error = 0, guess_middle = 0;
  int tried = 0;
  for (std::size_t i = 2; i < frames.size(); i += 4) {  // halfway between two examples
    const double slider = network.predict(frames[i])[0].value;
    std::printf("frame %zu: slider %.2f (%.2f into the video)\n", i, slider, where(i));
    error += std::abs(slider - where(i));
    guess_middle += std::abs(0.5 - where(i));
    ++tried;
  }
  std::printf("mean error %.3f over %d frames (always guessing the middle: %.3f)\n", error / tried, tried, guess_middle / tried);
  return 0;
}

int main(int argc, char** argv) {
  try {
    auto features = easel::FeatureExtractor::create();  // Teachable Machine's MobileNet
    return argc < 2 ? camera_sketch(features) : video_sketch(features, argv[1]);
  } catch (const easel::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
