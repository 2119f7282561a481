// A webcam classifier: what the camera sees, a line per frame as "banana 0.94" (ml5's
// imageClassifier with classifyStart). In a window too, when there is a screen.
//
//   webcam_classifier              the first camera (q in the window, or Ctrl-C, stops)
//   webcam_classifier clip.avi     a video instead, every frame of it
#include <easel/easel.h>

#include <cstdio>
#include <mutex>
#include <optional>

int main(int argc, char** argv) {
  try {
    const bool camera = argc < 2;
    auto source = camera ? easel::VideoReader::camera(0) : easel::VideoReader::open(argv[1]);
    auto classifier = easel::ImageClassifier::create();  // MobileNet: 1000 kinds of things
    std::optional<easel::Window> window;
    if (easel::Window::available()) window.emplace(easel::Window::open("webcam classifier"));

    std::mutex mutex;
    std::optional<easel::Image> latest;  // for the window, which draws on this thread
    auto live = easel::LiveLoop::start(
        std::move(source),
        [&](const easel::LiveFrame& frame) {  // on a worker thread, always the newest frame
          const easel::Classification best = classifier.classify(frame.image)[0];
          std::printf("%s %.2f\n", best.label.c_str(), best.confidence);
          std::fflush(stdout);
          easel::Image picture = frame.image;
          easel::draw_text(picture, best.label, 10, 10);
          std::lock_guard lock(mutex);
          latest = std::move(picture);
        },
        [](const easel::Error& e) { std::fprintf(stderr, "%s\n", e.what()); },
        {.realtime = camera});  // a video: every frame, as fast as the model goes
    while (live.running()) {
      if (!window) {
        live.wait();
        break;
      }
      {
        std::lock_guard lock(mutex);
        if (latest) window->show(*latest);
        latest.reset();
      }
      if (window->key(10) == 'q' || !window->is_open()) break;
    }
  } catch (const easel::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
