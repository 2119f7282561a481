#include "easel/window.h"

#include <X11/Xlib.h>

#include <cstdlib>
#include <opencv2/highgui.hpp>
#include <opencv2/imgproc.hpp>

#include "easel/error.h"

namespace easel {

namespace {

// highgui's Qt back end aborts the whole process when it cannot reach a display, so the
// display is tried first, with Xlib, which only answers.
bool display_reachable() {
  const char* name = std::getenv("DISPLAY");
  if (!name || !*name) return false;
  Display* display = XOpenDisplay(name);
  if (!display) return false;
  XCloseDisplay(display);
  return true;
}

}  // namespace

struct Window::Impl {
  std::string title;
  bool open = true;
  ~Impl() {
    if (open) cv::destroyWindow(title);
  }
};

Window::Window(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Window::~Window() = default;
Window::Window(Window&&) noexcept = default;
Window& Window::operator=(Window&&) noexcept = default;

bool Window::available() { return display_reachable(); }

Window Window::open(const std::string& title) {
  if (!display_reachable())
    throw Error(ErrorCode::io_error, "There is no screen to open the window '" + title + "' on (DISPLAY is " +
                                         (std::getenv("DISPLAY") ? "'" + std::string(std::getenv("DISPLAY")) + "', which cannot be reached" : "not set") + ").",
                "Run it on a desktop, or headless: write the frames to a file instead.");
  auto impl = std::make_unique<Impl>();
  impl->title = title;
  cv::namedWindow(title, cv::WINDOW_AUTOSIZE | cv::WINDOW_GUI_NORMAL);
  return Window(std::move(impl));
}

void Window::show(const Image& image) {
  if (!impl_->open || image.empty()) return;
  const cv::Mat rgb(image.height(), image.width(), CV_8UC3, const_cast<std::uint8_t*>(image.data()));
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  cv::imshow(impl_->title, bgr);
}

int Window::key(int wait_ms) {
  if (!impl_->open) return -1;
  const int k = cv::waitKey(wait_ms < 1 ? 1 : wait_ms);
  return k < 0 ? -1 : (k & 0xff);
}

void Window::set_title(const std::string& title) {
  if (impl_->open) cv::setWindowTitle(impl_->title, title);
}

bool Window::is_open() const {
  if (!impl_->open) return false;
  // A window closed with the mouse reports itself invisible (-1 once it is gone).
  try {
    return cv::getWindowProperty(impl_->title, cv::WND_PROP_VISIBLE) > 0;
  } catch (const cv::Exception&) {
    return false;
  }
}

void Window::close() {
  if (!impl_->open) return;
  impl_->open = false;
  cv::destroyWindow(impl_->title);
}

}  // namespace easel
