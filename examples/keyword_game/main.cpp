// Move a square with your voice: say "up", "down", "left" or "right" (ml5's soundClassifier
// with the speech commands model). The board is drawn in a window when there is a screen.
//
//   keyword_game                 the microphone (Ctrl-C or q stops)
//   keyword_game words.wav       a recording instead
#include <easel/easel.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

constexpr int kCells = 9, kCell = 40;

struct Game {
  int x = kCells / 2, y = kCells / 2;  // the square starts in the middle

  void hear(const std::string& word) {
    if (word == "up") y = std::max(0, y - 1);
    else if (word == "down") y = std::min(kCells - 1, y + 1);
    else if (word == "left") x = std::max(0, x - 1);
    else if (word == "right") x = std::min(kCells - 1, x + 1);
    else return;  // yes, no, go, stop... move nothing
    std::printf("%s: the square is at %d %d\n", word.c_str(), x, y);
    std::fflush(stdout);
  }

  easel::Image board() const {
    easel::Image image(kCells * kCell, kCells * kCell);
    for (int py = y * kCell + 4; py < (y + 1) * kCell - 4; ++py)
      for (int px = x * kCell + 4; px < (x + 1) * kCell - 4; ++px) {
        std::uint8_t* p = image.data() + (static_cast<std::size_t>(py) * image.width() + px) * 3;
        p[0] = 255, p[1] = 200, p[2] = 0;
      }
    return image;
  }
};

int main(int argc, char** argv) {
  try {
    auto words = easel::SoundClassifier::create();  // 12 speech commands
    auto stream = words.stream();
    Game game;
    std::optional<easel::Window> window;
    if (easel::Window::available()) window.emplace(easel::Window::open("keyword game"));
    const auto heard = [&](const std::vector<easel::WordDetection>& found) {
      for (const auto& w : found) game.hear(w.label);
      if (window) {
        window->show(game.board());
        if (window->key(1) == 'q' || !window->is_open()) return false;
      }
      return true;
    };

    std::vector<float> chunk(static_cast<std::size_t>(words.sample_rate() / 10));  // 100 ms
    if (argc > 1) {
      const easel::AudioBuffer sound = easel::load_audio(argv[1], words.sample_rate());
      for (std::size_t at = 0; at < sound.samples.size(); at += chunk.size())
        if (!heard(stream.push(sound.samples.data() + at, std::min(chunk.size(), sound.samples.size() - at)))) return 0;
    } else {
      auto mic = easel::Microphone::open("default", words.sample_rate());
      std::printf("Say up, down, left or right.\n");
      while (std::size_t n = mic.read(chunk.data(), chunk.size()))
        if (!heard(stream.push(chunk.data(), n))) return 0;
    }
    heard(stream.finish());
  } catch (const easel::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
