// easel: friendly machine learning from the terminal.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "easel/error.h"
#include "easel/version.h"
#include "terminal.h"

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
    case ErrorCode::bad_input:
      return 2;
    case ErrorCode::model_not_found:
      return 3;
    case ErrorCode::bad_model:
      return 4;
    case ErrorCode::unsupported_op:
      return 5;
    case ErrorCode::io_error:
      return 6;
    case ErrorCode::network_error:
      return 7;
    case ErrorCode::internal:
      return 70;
  }
  return 1;
}

}  // namespace
}  // namespace easel::cli

int main(int argc, char** argv) {
  // Decided before anything else runs: libraries write their warnings from the first call on.
  bool verbose = std::getenv("EASEL_VERBOSE") && std::strcmp(std::getenv("EASEL_VERBOSE"), "0") != 0;
  for (int i = 1; i < argc; ++i) verbose = verbose || std::strcmp(argv[i], "--verbose") == 0;
  easel::cli::keep_library_chatter_out(verbose);
  std::FILE* err = easel::cli::messages();

  CLI::App app{"easel: friendly machine learning for C++ (image, pose, sound) from the terminal."};
  app.set_version_flag("--version", std::string("easel ") + easel::version());
  bool verbose_flag = verbose;  // read above; declared here so that --help lists it
  app.add_flag("--verbose", verbose_flag,
               "Also show the warnings of the libraries easel uses (OpenCV, FFmpeg, libpng); EASEL_VERBOSE=1 too");
  app.require_subcommand(1);
  app.fallthrough();
  easel::cli::add_models_commands(app);
  easel::cli::add_ops_command(app);
  easel::cli::add_infer_command(app);
  easel::cli::add_classify_command(app);
  easel::cli::add_pose_command(app);
  easel::cli::add_face_command(app);
  easel::cli::add_hands_command(app);
  easel::cli::add_segment_command(app);
  easel::cli::add_detect_command(app);
  easel::cli::add_sound_commands(app);
  easel::cli::add_training_commands(app);
  easel::cli::add_live_command(app);
  easel::cli::add_studio_command(app);
  easel::cli::add_generative_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream message;
    const int code = app.exit(e, std::cout, message);
    std::fputs(message.str().c_str(), err);
    return code;
  } catch (const easel::cli::UsageError& e) {
    std::fprintf(err, "easel: %s\n", e.what());
    if (!e.hint.empty()) std::fprintf(err, "  hint: %s\n", e.hint.c_str());
    return 2;
  } catch (const easel::Error& e) {
    std::fprintf(err, "easel: %s\n", e.what());
    if (!e.hint().empty()) std::fprintf(err, "  hint: %s\n", e.hint().c_str());
    return easel::cli::exit_code(e.code());
  } catch (const std::exception& e) {
    std::fprintf(err, "easel: unexpected error: %s\n  hint: this is a bug in easel; please report it.\n", e.what());
    return 70;
  }
  return 0;
}
