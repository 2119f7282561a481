// Paint with your nose: the pose model finds your nose in each frame and leaves paint
// where it goes (the workshop's nose tracker). The painting is saved when you quit.
//
//   nose_painter                               the first camera, mirrored (q stops)
//   nose_painter walk.avi [painting.png [N]]   a video instead (its first N frames)
#include <easel/easel.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

// A round dot of paint on the canvas.
void paint(easel::Image& canvas, float cx, float cy, int radius, easel::Color c) {
  for (int y = static_cast<int>(cy) - radius; y <= static_cast<int>(cy) + radius; ++y)
    for (int x = static_cast<int>(cx) - radius; x <= static_cast<int>(cx) + radius; ++x) {
      if (x < 0 || y < 0 || x >= canvas.width() || y >= canvas.height()) continue;
      if ((x - cx) * (x - cx) + (y - cy) * (y - cy) > radius * radius) continue;
      std::uint8_t* p = canvas.data() + (static_cast<std::size_t>(y) * canvas.width() + x) * 3;
      p[0] = c.r, p[1] = c.g, p[2] = c.b;
    }
}

int main(int argc, char** argv) {
  try {
    const bool camera = argc < 2;
    auto video = camera ? easel::VideoReader::camera(0) : easel::VideoReader::open(argv[1]);
    const std::string painting_file = argc > 2 ? argv[2] : "nose-painting.png";
    const int max_frames = argc > 3 ? std::atoi(argv[3]) : 0;
    // MoveNet finds one person; a selfie camera is mirrored so that left is left.
    auto pose = easel::PoseEstimator::create({.flip_horizontal = camera});
    std::optional<easel::Window> window;
    if (easel::Window::available()) window.emplace(easel::Window::open("nose painter"));

    easel::Image frame, canvas;
    for (int n = 0; video.read(frame) && (max_frames == 0 || n < max_frames); ++n) {
      if (canvas.empty()) canvas = easel::Image(frame.width(), frame.height());
      const auto people = pose.estimate(frame);
      if (!people.empty()) {
        const easel::Keypoint& nose = people[0].keypoints[0];  // keypoint 0 is the nose
        if (nose.confidence > 0.3f) {
          // Paint changes colour slowly as time goes on.
          paint(canvas, nose.x, nose.y, 4, easel::palette(n / 30));
          std::printf("frame %d: nose at %.0f %.0f\n", n, nose.x, nose.y);
        }
      }
      if (window) {
        easel::Image shown = frame;  // the painting over the picture
        for (std::size_t i = 0; i < static_cast<std::size_t>(shown.width()) * shown.height() * 3; i += 3)
          if (canvas.data()[i] | canvas.data()[i + 1] | canvas.data()[i + 2])
            for (int k = 0; k < 3; ++k) shown.data()[i + k] = canvas.data()[i + k];
        window->show(shown);
        if (window->key(1) == 'q' || !window->is_open()) break;
      }
    }
    canvas.save(painting_file);
    std::printf("saved %s\n", painting_file.c_str());
  } catch (const easel::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
