// easel: friendly machine learning from the terminal.
#include <cstdio>
#include <exception>

#include "commands.h"
#include "easel/error.h"
#include "easel/version.h"

namespace easel::cli {

std::string human_size(std::uint64_t bytes) {
  const char* units[] = {"B", "KB", "MB", "GB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 3) v /= 1000, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

namespace {

int exit_code(ErrorCode code) {
  switch (code) {
    case ErrorCode::usage:
    case ErrorCode::bad_input: return 2;
    case ErrorCode::model_not_found: return 3;
    case ErrorCode::bad_model: return 4;
    case ErrorCode::unsupported_op: return 5;
    case ErrorCode::io_error: return 6;
    case ErrorCode::network_error: return 7;
    case ErrorCode::internal: return 70;
  }
  return 1;
}

}  // namespace
}  // namespace easel::cli

int main(int argc, char** argv) {
  CLI::App app{"easel: friendly machine learning for C++ (image, pose, sound) from the terminal."};
  app.set_version_flag("--version", std::string("easel ") + easel::version());
  app.require_subcommand(1);
  app.fallthrough();
  easel::cli::add_models_commands(app);
  easel::cli::add_ops_command(app);
  easel::cli::add_infer_command(app);
  easel::cli::add_classify_command(app);
  easel::cli::add_pose_command(app);
  easel::cli::add_detect_command(app);
  easel::cli::add_sound_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const easel::Error& e) {
    std::fprintf(stderr, "easel: %s\n", e.what());
    if (!e.hint().empty()) std::fprintf(stderr, "  hint: %s\n", e.hint().c_str());
    return easel::cli::exit_code(e.code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "easel: unexpected error: %s\n  hint: this is a bug in easel; please report it.\n", e.what());
    return 70;
  }
  return 0;
}
