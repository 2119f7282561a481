// CharRnn: text written one character at a time by an LSTM trained on a book, as ml5's
// charRNN (its Shakespeare and Bolaño models, or any model saved in ml5's layout).
//
//   auto rnn = easel::CharRnn::create({.model = "charrnn-shakespeare", .random_seed = 7});
//   std::string text = rnn.generate({.seed = "ROMEO:", .length = 200, .temperature = 0.5f});
//
// generate() starts from a fresh state each time (unless `stateful`); feed(), predict() and
// reset() work on the state step by step, as ml5's do. Characters are Unicode code points
// (UTF-8 in and out). The random numbers come from a seedable generator (mulberry32), so a
// run can be repeated exactly.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace easel {

struct CharRnnOptions {
  std::string model = "charrnn-shakespeare";  // a store name, a folder or its manifest.json
  std::uint32_t random_seed = 0;              // 0: a different run every time
  int threads = 1;                            // one step is small: one thread is fastest
  bool reference_kernels = false;
};

struct CharRnnGenerateOptions {
  std::string seed;         // the text to start from (at least one character)
  int length = 20;          // characters to write after it
  float temperature = 0.5;  // > 0: lower is safer, higher is wilder
  bool stateful = false;    // true: go on from the current state instead of a fresh one
};

struct CharProbability {
  std::string character;
  float probability = 0;
};

struct CharPrediction {
  std::string sample;                          // one character drawn from the probabilities
  std::vector<CharProbability> probabilities;  // every character of the vocabulary, in its order
};

class CharRnn {
 public:
  static CharRnn create(const CharRnnOptions& options = {});
  ~CharRnn();
  CharRnn(CharRnn&&) noexcept;
  CharRnn& operator=(CharRnn&&) noexcept;

  // The seed, then `length` characters drawn one by one, each fed back in; returns the
  // characters written (not the seed). `on_character` (optional) gets each as it comes.
  // Throws Error(bad_input) for an empty seed, a character the model does not know, a
  // temperature of 0 or less, or a negative length.
  std::string generate(const CharRnnGenerateOptions& options, const std::function<void(const std::string&)>& on_character = {});
  // Advances the state through `text`.
  void feed(const std::string& text);
  // The next character's probabilities from the current state (after feed() or
  // generate()), and one drawn from them.
  CharPrediction predict(float temperature = 0.5f);
  void reset();  // back to the fresh state
  void set_random_seed(std::uint32_t seed);

  const std::vector<std::string>& vocabulary() const;  // by index

 private:
  struct Impl;
  explicit CharRnn(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace easel
