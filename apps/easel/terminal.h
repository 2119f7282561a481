// What the CLI says on the terminal besides its results: its own messages on stderr, with
// the chatter of the libraries under it (OpenCV and FFmpeg decoding video, libpng's
// "iCCP: known incorrect sRGB profile") kept out unless --verbose, and a progress bar
// for long runs when stderr is a terminal.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace easel::cli {

// Called first thing in main(). Unless `verbose`, file descriptor 2 (where libraries write
// their warnings) goes to /dev/null and easel's own messages keep the real stderr.
void keep_library_chatter_out(bool verbose);

// The stream for easel's own messages: the real stderr.
std::FILE* messages();

// A one-line bar on stderr ("[#####.....] 12/40  ETA 9s  vtest.avi"), drawn only when stderr is a
// terminal and there are enough steps to be worth it. Results printed on stdout between
// steps go through print() so the bar never garbles them.
class ProgressBar {
 public:
  explicit ProgressBar(int total);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Steps done so far and what is being worked on now.
  void update(int done, const std::string& what);
  // Clears the bar, writes `line` to stdout, draws the bar again.
  void print(const std::string& line);
  // The same for a message of easel's own (an error about one file) on stderr.
  void note(const std::string& line);

 private:
  void clear();
  void draw();
  int total_, done_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::string what_;
  bool shown_ = false, enabled_ = false;
};

}  // namespace easel::cli
