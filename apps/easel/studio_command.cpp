// easel studio: serves the local web studio (Teachable Machine's gather, train, preview and
// export) until Ctrl-C.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include "commands.h"
#include "core/process.h"
#include "easel/studio.h"

namespace easel::cli {
namespace {

volatile std::sig_atomic_t stop_serving = 0;

}  // namespace

void add_studio_command(CLI::App& app) {
  auto cmd = app.add_subcommand("studio", "Serve easel studio, a local Teachable Machine, in your browser");
  auto port = std::make_shared<int>(8080);
  auto projects = std::make_shared<std::string>();
  auto host = std::make_shared<std::string>("127.0.0.1");
  auto open = std::make_shared<bool>(false);
  cmd->add_option("--port", *port, "Port to listen on (0: any free one)")->capture_default_str();
  cmd->add_option("--projects", *projects, "Folder of projects (default: ~/easel-projects)");
  cmd->add_option("--host", *host, "Address to listen on; 0.0.0.0 opens the studio to your network")->capture_default_str();
  cmd->add_flag("--open", *open, "Open the studio in the web browser");
  cmd->callback([=] {
    Studio studio = Studio::create({.projects = *projects, .host = *host, .port = *port});
    std::printf("easel studio: %s  (projects in %s; Ctrl-C stops it)\n", studio.url().c_str(), studio.projects().c_str());
    if (*host != "127.0.0.1" && *host != "localhost")
      std::printf("easel studio: listening on %s: anyone on your network can reach it.\n", host->c_str());
    std::fflush(stdout);
    studio.start();
    if (*open) {
      // No shell: the URL is one argument to xdg-open.
      std::thread([url = studio.url()] {
        try {
          detail::run_process({"xdg-open", url});
        } catch (const std::exception& e) {
          std::fprintf(stderr, "easel studio: cannot open a browser (%s); open %s yourself.\n", e.what(), url.c_str());
        }
      }).detach();
    }
    std::signal(SIGINT, [](int) { stop_serving = 1; });
    std::signal(SIGTERM, [](int) { stop_serving = 1; });
    while (!stop_serving) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    studio.stop();
    std::printf("easel studio: stopped\n");
  });
}

}  // namespace easel::cli
