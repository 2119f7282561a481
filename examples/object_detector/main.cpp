// An object detector overlay: boxes around the people, cars, dogs... the camera sees (ml5's
// objectDetector with detectStart), drawn in a window, a line per frame in the terminal.
//
//   object_detector                         the first camera (q in the window stops)
//   object_detector street.avi [boxes.avi]  a video instead, every frame; the overlays saved
#include <easel/easel.h>

#include <cstdio>
#include <mutex>
#include <optional>
#include <string>

int main(int argc, char** argv) {
  try {
    const bool camera = argc < 2;
    auto source = camera ? easel::VideoReader::camera(0) : easel::VideoReader::open(argv[1]);
    const double fps = source.fps() > 0 ? source.fps() : 30;
    auto detector = easel::ObjectDetector::create();  // YOLOX: COCO's 80 kinds of objects
    std::optional<easel::Window> window;
    if (easel::Window::available()) window.emplace(easel::Window::open("object detector"));
    std::optional<easel::VideoWriter> saved;

    std::mutex mutex;
    std::optional<easel::Image> latest;
    auto live = easel::LiveLoop::start(
        std::move(source),
        [&](const easel::LiveFrame& frame) {
          easel::Image picture = frame.image;
          std::string line = "frame " + std::to_string(frame.index) + ":";
          for (const easel::Detection& d : detector.detect(picture)) {
            char label[96];
            std::snprintf(label, sizeof label, "%s %.2f", d.label.c_str(), d.confidence);
            easel::draw_box(picture, d.box, label, easel::palette(d.class_index));
            line += std::string(" ") + label + ",";
          }
          std::printf("%s\n", line.c_str());
          std::fflush(stdout);
          if (argc > 2) {
            if (!saved) saved.emplace(easel::VideoWriter::create(argv[2], picture.width(), picture.height(), fps));
            saved->write(picture);
          }
          std::lock_guard lock(mutex);
          latest = std::move(picture);
        },
        [](const easel::Error& e) { std::fprintf(stderr, "%s\n", e.what()); }, {.realtime = camera});
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
    live.stop();
    if (saved) saved->close();
  } catch (const easel::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
