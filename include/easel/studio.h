// easel studio: Teachable Machine's three steps (gather samples, train, preview and export)
// in a local web page, offline, served by easel itself. `easel studio` runs it; a program
// can too:
//
//   auto studio = easel::Studio::create({.projects = "my-projects", .port = 8080});
//   std::printf("open %s in a browser\n", studio.url().c_str());
//   studio.run();  // serves until stop() is called from another thread
//
// It listens on 127.0.0.1 only, unless `host` says otherwise. Projects are folders under
// `projects`, written atomically as they change.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace easel {

struct StudioOptions {
  std::filesystem::path projects;  // empty: ~/easel-projects
  std::string host = "127.0.0.1";  // "0.0.0.0" opens it to the network: say so only on purpose
  int port = 8080;                 // 0: any free port (url() says which)
  // The largest request body (a sample, a zip of samples) it takes; 0: 256 MB. Larger ones
  // get 413 before they are read.
  std::uint64_t max_upload_bytes = 0;
};

class Studio {
 public:
  // Opens the projects folder and binds the port. Throws Error(io_error) when the port is
  // taken or the folder cannot be made.
  static Studio create(const StudioOptions& options = {});
  ~Studio();
  Studio(Studio&&) noexcept;
  Studio& operator=(Studio&&) noexcept;

  std::string url() const;  // "http://127.0.0.1:8080/"
  int port() const;
  const std::filesystem::path& projects() const;

  void run();    // serves on this thread until stop()
  void start();  // serves on a thread of its own
  void stop();   // from any thread; waits for the server to finish

  struct Impl;

 private:
  explicit Studio(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace easel
