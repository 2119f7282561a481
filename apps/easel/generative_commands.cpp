// The generative commands, after ml5's styleTransfer, charRNN and CVAE:
//   easel style IMAGE|VIDEO|--camera N --style wave -o OUT [--max-size N]
//   easel write [--model shakespeare] --seed "..." [--length 200 --temperature 0.5 --random-seed N]
//   easel draw LABEL -o sketch.png [--to LABEL2 --steps 8] [--size 280] [--random-seed N]
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "easel/char_rnn.h"
#include "easel/cvae.h"
#include "easel/error.h"
#include "easel/style_transfer.h"
#include "media.h"

namespace easel::cli {
namespace {

struct StyleArgs {
  MediaArgs media;
  std::string style = "wave";
  std::string model = "style-transfer";
  int max_size = 0;
  int threads = 0;
  bool list = false;
};

void run_style(const StyleArgs& args) {
  if (args.list) {
    for (const std::string& s : StyleTransfer::styles(args.model)) std::printf("%s\n", s.c_str());
    return;
  }
  if (args.media.out.empty() && !args.media.json)
    throw UsageError("Say where the painted picture goes: -o OUT (a .png or .jpg for an image, .mp4 or .avi for a video).");
  StyleTransfer painter = StyleTransfer::create({.style = args.style, .model = args.model, .max_size = args.max_size, .threads = args.threads});
  run_on_media(args.media, {.analyse =
                                [&](Image& image, bool draw, bool) {
                                  nlohmann::ordered_json result = {{"style", painter.style()}, {"width", image.width()}, {"height", image.height()}};
                                  if (draw) image = painter.transfer(image);
                                  return result;
                                },
                            .describe = [](const nlohmann::ordered_json& result) {
                              return std::vector<std::string>{"painted in " + result["style"].get<std::string>()};
                            }});
}

struct WriteArgs {
  std::string model = "shakespeare";
  std::string seed;
  int length = 200;
  float temperature = 0.5f;
  std::uint32_t random_seed = 0;
};

// "shakespeare" and "bolano" name ml5's two models; anything else is a store name or a folder.
std::string char_rnn_model(const std::string& name) {
  if (name == "shakespeare" || name == "bolano") return "charrnn-" + name;
  return name;
}

void run_write(const WriteArgs& args) {
  CharRnn rnn = CharRnn::create({.model = char_rnn_model(args.model), .random_seed = args.random_seed});
  std::fputs(args.seed.c_str(), stdout);
  rnn.generate({.seed = args.seed, .length = args.length, .temperature = args.temperature}, [](const std::string& ch) {
    std::fputs(ch.c_str(), stdout);
    std::fflush(stdout);
  });
  std::fputs("\n", stdout);
}

struct DrawArgs {
  std::string label;
  std::string to;
  std::string out;
  std::string model = "cvae-quickdraw";
  int steps = 8;
  int size = 280;
  std::uint32_t random_seed = 0;
  bool list = false;
};

// The model's 28 px sketch at `size` px wide, its pixels kept crisp.
Image scaled(const Image& image, int size) {
  if (size <= 0 || size == image.width()) return image;
  return image.resized(size, static_cast<int>(static_cast<long long>(size) * image.height() / image.width()), false);
}

void run_draw(const DrawArgs& args) {
  Cvae cvae = Cvae::create({.model = args.model, .random_seed = args.random_seed});
  if (args.list) {
    for (const std::string& l : cvae.labels()) std::printf("%s\n", l.c_str());
    return;
  }
  if (args.label.empty()) throw UsageError("Say what to draw: easel draw LABEL -o sketch.png (--list shows the labels).");
  if (args.out.empty()) throw UsageError("Say where the sketch goes: -o sketch.png.");
  if (args.size < 0 || args.size > 4096) throw UsageError("--size must be between 0 (the model's own 28 px) and 4096.");
  if (args.to.empty()) {
    scaled(cvae.generate(args.label), args.size).save(args.out);
    std::printf("%s: a %s\n", args.out.c_str(), args.label.c_str());
    return;
  }
  // A walk: the steps side by side in one strip.
  const std::vector<Image> frames = cvae.walk(args.label, args.to, args.steps);
  const Image first = scaled(frames[0], args.size);
  Image strip(first.width() * static_cast<int>(frames.size()), first.height());
  for (std::size_t f = 0; f < frames.size(); ++f) {
    const Image frame = scaled(frames[f], args.size);
    for (int y = 0; y < frame.height(); ++y)
      std::copy(frame.pixel(0, y), frame.pixel(0, y) + 3 * frame.width(),
                strip.data() + (static_cast<std::size_t>(y) * strip.width() + f * static_cast<std::size_t>(frame.width())) * 3);
  }
  strip.save(args.out);
  std::printf("%s: %s to %s in %d steps\n", args.out.c_str(), args.label.c_str(), args.to.c_str(), args.steps);
}

}  // namespace

void add_generative_commands(CLI::App& app) {
  auto style = std::make_shared<StyleArgs>();
  auto cmd = app.add_subcommand("style", "Paint an image, a video or a camera in the style of a painting (ml5's styleTransfer)");
  add_media_options(cmd, style->media, "the painting");
  cmd->add_option("--style,-s", style->style, "la_muse, mathura, matilde_perez, matta, rain_princess, scream, udnie, wave (default), wreck");
  cmd->add_option("--model,-m", style->model, "A model store name or a folder of styles in ml5's layout")->capture_default_str();
  cmd->add_option("--max-size", style->max_size, "Paint a copy whose longer side is this many pixels, then scale back (faster; 0: full size)");
  cmd->add_option("--threads", style->threads, "Threads (0: all cores)");
  cmd->add_flag("--list", style->list, "List the styles and stop");
  cmd->callback([style] { run_style(*style); });

  auto write = std::make_shared<WriteArgs>();
  cmd = app.add_subcommand("write", "Write text one character at a time, as a book taught it (ml5's charRNN)");
  cmd->add_option("--model,-m", write->model, "shakespeare (default), bolano, a model store name or a folder")->capture_default_str();
  cmd->add_option("--seed", write->seed, "The text to start from")->required();
  cmd->add_option("--length,-n", write->length, "Characters to write")->capture_default_str();
  cmd->add_option("--temperature,-t", write->temperature, "Above 0: lower is safer, higher is wilder")->capture_default_str();
  cmd->add_option("--random-seed", write->random_seed, "The same number writes the same text again (0: different every time)");
  cmd->callback([write] { run_write(*write); });

  auto draw = std::make_shared<DrawArgs>();
  cmd = app.add_subcommand("draw", "Draw a QuickDraw sketch of a thing, or a walk from one thing to another (ml5's CVAE)");
  cmd->add_option("LABEL", draw->label, "What to draw (--list shows the labels)");
  cmd->add_option("--out,-o", draw->out, "The sketch (.png, .jpg)");
  cmd->add_option("--to", draw->to, "Walk from LABEL to this label, the steps side by side");
  cmd->add_option("--steps", draw->steps, "Sketches in a walk")->capture_default_str();
  cmd->add_option("--size", draw->size, "Width of each sketch in pixels (the model draws 28)")->capture_default_str();
  cmd->add_option("--model,-m", draw->model, "A model store name, a folder or ml5's CVAE manifest.json")->capture_default_str();
  cmd->add_option("--random-seed", draw->random_seed, "The same number draws the same sketch again (0: different every time)");
  cmd->add_flag("--list", draw->list, "List the labels and stop");
  cmd->callback([draw] { run_draw(*draw); });
}

}  // namespace easel::cli
