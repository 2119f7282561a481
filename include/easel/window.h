// A window on the screen that shows Images and hears keys, as a sketch's canvas does (OpenCV
// highgui underneath). Where there is no screen (a server, an SSH session, CI),
// Window::available() says so and open() throws a clear error instead of aborting.
//
//   auto video = easel::VideoReader::camera(0);
//   auto window = easel::Window::open("camera");
//   easel::Image frame;
//   while (video.read(frame) && window.is_open()) {
//     window.show(frame);
//     if (window.key(1) == 'q') break;   // waits up to 1 ms for a key
//   }
#pragma once

#include <memory>
#include <string>

#include "easel/image.h"

namespace easel {

class Window {
 public:
  // true when a display can be reached (X11's DISPLAY, or Wayland's through XWayland).
  static bool available();
  // Opens a window titled `title`. Throws Error(io_error) when there is no display to open it on.
  static Window open(const std::string& title);
  ~Window();  // closes it
  Window(Window&&) noexcept;
  Window& operator=(Window&&) noexcept;

  // Shows `image` (the window takes its size the first time).
  void show(const Image& image);
  // Waits up to `wait_ms` for a key and returns it ('q', ' ', '1'), or -1 when none was
  // pressed. The window draws while it waits: call it after each show() (1 ms is enough).
  int key(int wait_ms = 1);
  void set_title(const std::string& title);
  // false once the person has closed the window.
  bool is_open() const;
  void close();

 private:
  struct Impl;
  explicit Window(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace easel
