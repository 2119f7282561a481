// `easel live pose` in a window, on a virtual display (Xvfb): the test finds the window by
// its title, which names the frame shown, grabs its pixels with Xlib, and checks that the
// window shows that frame of vtest.avi with skeletons drawn where YOLOX finds people. The
// grab is kept as build/live-window.png to look at.
#include <gtest/gtest.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/keysym.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "easel/object_detector.h"
#include "easel/video.h"
#include "easel/window.h"
#include "golden_util.h"
#include "sample_media.h"
#include "test_util.h"

namespace fs = std::filesystem;

namespace {

using namespace std::chrono_literals;

// An Xvfb server of its own on a free display number, ended with the test.
class VirtualDisplay {
 public:
  VirtualDisplay() {
    for (int number = 90 + getpid() % 400, tries = 0; tries < 10 && name_.empty(); ++number, ++tries) {
      const std::string display = ":" + std::to_string(number);
      // -noreset: the server would reset (and refuse connections a moment) when its last client,
      // the probe below, leaves.
      pid_ = easel::test::start_server({"Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-noreset"});
      if (pid_ < 0) return;
      for (int wait = 0; wait < 100; ++wait) {  // up to 10 s on a busy machine
        if (waitpid(pid_, nullptr, WNOHANG) == pid_) {  // the number was taken: try the next
          pid_ = -1;
          break;
        }
        if (Display* d = XOpenDisplay(display.c_str())) {
          XCloseDisplay(d);
          name_ = display;
          break;
        }
        std::this_thread::sleep_for(100ms);
      }
      if (name_.empty() && pid_ > 0) stop();
    }
  }
  ~VirtualDisplay() { stop(); }
  const std::string& name() const { return name_; }

 private:
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  pid_t pid_ = -1;
  std::string name_;
};

bool xvfb_installed() { return easel::test::run("command -v Xvfb").exit_code == 0; }

// The viewable windows whose titles start with `prefix` (Qt's hidden group leader carries
// the first title too), searched depth-first.
void find_windows(Display* d, Window w, const std::string& prefix, std::vector<std::pair<Window, std::string>>& found) {
  char* name = nullptr;
  if (XFetchName(d, w, &name) && name) {
    const std::string n = name;
    XFree(name);
    XWindowAttributes attributes;
    if (n.rfind(prefix, 0) == 0 && XGetWindowAttributes(d, w, &attributes) && attributes.map_state == IsViewable) found.emplace_back(w, n);
  }
  Window root_return, parent;
  Window* children = nullptr;
  unsigned count = 0;
  if (!XQueryTree(d, w, &root_return, &parent, &children, &count)) return;
  for (unsigned i = 0; i < count; ++i) find_windows(d, children[i], prefix, found);
  if (children) XFree(children);
}

struct Grab {
  easel::Image image;
  int frame = -1;  // the frame the title names
  Window window = 0;
};

// A key pressed and released in `w`, as the keyboard would send it.
void press(Display* d, Window w, KeySym key) {
  XKeyEvent e{};
  e.display = d;
  e.window = w;
  e.root = DefaultRootWindow(d);
  e.time = CurrentTime;
  e.x = e.y = e.x_root = e.y_root = 1;
  e.same_screen = True;
  e.keycode = XKeysymToKeycode(d, key);
  e.type = KeyPress;
  XSendEvent(d, w, True, KeyPressMask, reinterpret_cast<XEvent*>(&e));
  e.type = KeyRelease;
  XSendEvent(d, w, True, KeyReleaseMask, reinterpret_cast<XEvent*>(&e));
  XFlush(d);
}

// The window's pixels (its top-left width x height) and the frame its title names.
std::optional<Grab> grab_window(Display* d, const std::string& prefix, int width, int height) {
  std::vector<std::pair<Window, std::string>> windows;
  find_windows(d, DefaultRootWindow(d), prefix, windows);
  if (windows.size() != 1) return std::nullopt;
  const auto& [w, title] = windows[0];
  const auto at = title.find("frame ");
  if (at == std::string::npos) return std::nullopt;  // no frame shown yet
  XWindowAttributes attributes;
  if (!XGetWindowAttributes(d, w, &attributes) || attributes.width < width || attributes.height < height) return std::nullopt;
  int x = 0, y = 0;
  Window child;
  XTranslateCoordinates(d, w, DefaultRootWindow(d), 0, 0, &x, &y, &child);
  XImage* shot = XGetImage(d, DefaultRootWindow(d), x, y, width, height, AllPlanes, ZPixmap);
  if (!shot) return std::nullopt;
  Grab g{easel::Image(width, height), std::stoi(title.substr(at + 6)), w};
  for (int row = 0; row < height; ++row)
    for (int col = 0; col < width; ++col) {
      const unsigned long p = XGetPixel(shot, col, row);
      std::uint8_t* out = g.image.data() + (static_cast<std::size_t>(row) * width + col) * 3;
      out[0] = static_cast<std::uint8_t>((p & shot->red_mask) >> 16);
      out[1] = static_cast<std::uint8_t>((p & shot->green_mask) >> 8);
      out[2] = static_cast<std::uint8_t>(p & shot->blue_mask);
    }
  XDestroyImage(shot);
  return g;
}

}  // namespace

TEST(LiveWindow, PoseSkeletonsAreDrawnWherePeopleAre) {
  if (!xvfb_installed()) {
    if (easel::test::require_all()) FAIL() << "Xvfb is missing: scripts/setup.sh installs it (Debian xvfb)";
    GTEST_SKIP() << "Xvfb is not installed";
  }
  VirtualDisplay display;
  ASSERT_FALSE(display.name().empty()) << "Xvfb did not start";
  setenv("DISPLAY", display.name().c_str(), 1);
  EXPECT_TRUE(easel::Window::available());

  // The frames it will play, to compare the window with.
  const fs::path video = easel::find_sample("vtest.avi");
  // 16 s at the video's 10 fps: on a loaded machine the first skeleton can take 8 s to show,
  // and q must still come well before the end to show that it stops the run.
  constexpr int kFrames = 160;
  std::vector<easel::Image> frames;
  {
    easel::VideoReader reader = easel::VideoReader::open(video);
    easel::Image f;
    while (static_cast<int>(frames.size()) < kFrames && reader.read(f)) frames.push_back(f);
  }
  ASSERT_EQ(frames.size(), std::size_t{kFrames});
  const int width = frames[0].width(), height = frames[0].height();

  struct Comparison {
    long pixels = 0, same = 0, drawn = 0, drawn_on_people = 0;
  };
  // Drawn pixels: far from the frame's own and saturated (the skeletons' colours); the fps
  // line at the window's foot is left out.
  const auto compare = [&](const easel::Image& shown, const easel::Image& frame, const std::vector<easel::BoundingBox>& people) {
    Comparison c;
    for (int y = 0; y < height - 48; ++y)
      for (int x = 0; x < width; ++x) {
        const std::uint8_t* a = frame.pixel(x, y);
        const std::uint8_t* b = shown.pixel(x, y);
        const int diff = std::abs(a[0] - b[0]) + std::abs(a[1] - b[1]) + std::abs(a[2] - b[2]);
        ++c.pixels;
        if (diff < 30) ++c.same;
        const bool saturated = std::max({b[0], b[1], b[2]}) - std::min({b[0], b[1], b[2]}) > 100;
        if (diff < 90 || !saturated) continue;
        ++c.drawn;
        for (const easel::BoundingBox& box : people) {
          // A person's box, grown by a quarter for the limbs YOLOX's box cuts, and by the
          // radius of the biggest keypoint dot.
          const float gx = box.width * 0.25f + 8, gy = box.height * 0.25f + 8;
          if (x >= box.x - gx && x <= box.x + box.width + gx && y >= box.y - gy && y <= box.y + box.height + gy) {
            ++c.drawn_on_people;
            break;
          }
        }
      }
    return c;
  };

  easel::test::ScratchDir dir;  // where snapshots are saved
  const auto best_match = [&](const easel::Image& shown, int hint) {
    int best = hint;
    long most = -1;
    for (int n = std::max(0, hint - 10); n <= std::min(kFrames - 1, hint + 10); ++n) {
      const long same = compare(shown, frames[static_cast<std::size_t>(n)], {}).same;
      if (same > most) most = same, best = n;
    }
    return best;
  };

  std::atomic<bool> done{false};
  easel::test::CommandResult cli;
  std::thread runner([&] {
    cli = easel::test::run("cd " + easel::test::shell_quote(dir.path().string()) + " && DISPLAY=" + display.name() + " " + std::string(EASEL_CLI) +
                           " live pose -q --max-frames " + std::to_string(kFrames) + " --video " + easel::test::shell_quote(video.string()));
    done = true;
  });
  // Grabs while it plays (16 s): the first one with a skeleton drawn is kept.
  Display* d = XOpenDisplay(display.name().c_str());
  ASSERT_NE(d, nullptr);
  std::optional<Grab> kept;
  int grabs = 0;
  while (!done && !kept) {
    std::this_thread::sleep_for(100ms);
    auto g = grab_window(d, "easel live pose", width, height);
    if (!g || g->frame < 0 || g->frame >= kFrames) continue;
    ++grabs;
    // The frame shown is the one it matches best near the frame the title names (Qt can
    // change the picture a moment before the title).
    g->frame = best_match(g->image, g->frame);
    if (compare(g->image, frames[static_cast<std::size_t>(g->frame)], {}).drawn > 60) kept = std::move(g);
  }
  // Keys: s saves a snapshot in the working folder, q quits before the video's end.
  bool snapshot = false;
  if (kept && !done) {
    press(d, kept->window, XK_s);
    for (int i = 0; i < 30 && !snapshot && !done; ++i) {
      std::this_thread::sleep_for(100ms);
      snapshot = fs::exists(dir / "easel-snapshot-1.png");
    }
    press(d, kept->window, XK_q);
  }
  XCloseDisplay(d);
  runner.join();
  ASSERT_EQ(cli.exit_code, 0) << cli.output;
  ASSERT_TRUE(kept) << "no skeleton seen in " << grabs << " grabs of the window";
  EXPECT_TRUE(snapshot) << "s saves easel-snapshot-1.png: " << cli.output;
  std::smatch read;
  ASSERT_TRUE(std::regex_search(cli.output, read, std::regex(R"((\d+) frames read)"))) << cli.output;
  EXPECT_LT(std::stoi(read[1]), std::max(kept->frame + 60, kFrames / 2)) << "q stopped it soon after it was pressed at frame " << kept->frame << ": "
                                                                       << cli.output;
  kept->image.save(fs::path(EASEL_BINARY_DIR) / "live-window.png");

  // The skeletons lie on YOLOX's people in the frame shown, or on a frame beside it (a
  // person YOLOX misses on one frame it finds on the next).
  const int shown = kept->frame;
  const easel::Image& frame = frames[static_cast<std::size_t>(shown)];
  auto detector = easel::ObjectDetector::create();
  std::vector<easel::BoundingBox> people;
  for (int n = std::max(0, kept->frame - 3); n <= std::min(kFrames - 1, kept->frame + 3); ++n)
    for (const auto& det : detector.detect(frames[static_cast<std::size_t>(n)]))
      if (det.label == "person") people.push_back(det.box);
  ASSERT_FALSE(people.empty());
  const Comparison c = compare(kept->image, frame, people);
  const long pixels = c.pixels, same = c.same, drawn = c.drawn, drawn_on_people = c.drawn_on_people;
  std::printf("[ window   ] frame %d: %.1f%% of pixels as in the video, %ld drawn, %ld of them on YOLOX's people (%zu boxes over 7 frames)\n",
              kept->frame, 100.0 * same / pixels, drawn, drawn_on_people, people.size());
  EXPECT_GT(same, pixels * 97 / 100) << "the window shows frame " << kept->frame << " of the video";
  EXPECT_GT(drawn, 60);
  EXPECT_GT(drawn_on_people, drawn * 9 / 10) << "skeletons are drawn where people are";
}

TEST(LiveWindow, NoScreenIsAClearErrorAndTheCliRunsHeadless) {
  const char* saved = std::getenv("DISPLAY");
  const std::string restore = saved ? saved : "";
  unsetenv("DISPLAY");
  EXPECT_FALSE(easel::Window::available());
  try {
    easel::Window::open("x");
    ADD_FAILURE() << "a window opened without a screen";
  } catch (const easel::Error& e) {
    EXPECT_EQ(e.code(), easel::ErrorCode::io_error);
    EXPECT_NE(std::string(e.what()).find("no screen"), std::string::npos) << e.what();
  }
  setenv("DISPLAY", ":4999", 1);  // nobody there
  EXPECT_FALSE(easel::Window::available());
  if (saved) setenv("DISPLAY", restore.c_str(), 1);
  else unsetenv("DISPLAY");
  const auto r = easel::test::run("env -u DISPLAY " + std::string(EASEL_CLI) + " live classify --max-frames 2 --every-frame --video " +
                                  easel::test::shell_quote(easel::find_sample("vtest.avi").string()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("running headless"), std::string::npos) << r.output;
}
