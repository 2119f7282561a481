// CharRnn: ml5's charRNN. The model (nn/import/ml5_checkpoint.cpp) is one step of the
// LSTM stack: a character and the state in, the logits and the next state out. This file
// keeps the state, turns logits into probabilities at a temperature and draws characters,
// step for step as ml5's CharRNN.generateInternal.
#include "easel/char_rnn.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "core/json_file.h"
#include "easel/error.h"
#include "easel/model.h"
#include "generative/generative_common.h"

namespace fs = std::filesystem;

namespace easel {

struct CharRnn::Impl {
  Model model;
  std::vector<std::string> vocabulary;     // by index
  std::map<std::string, int> index;        // character -> index
  std::vector<Tensor> zero_state, state;   // c0, h0, c1, h1, ...
  std::optional<std::vector<float>> logits;  // after the last step; none in a fresh state
  detail::Mulberry32 random{1};

  void reset() {
    state.clear();
    for (const Tensor& t : zero_state) state.push_back(t.clone());
    logits.reset();
  }

  int index_of(const std::string& character) const {
    const auto it = index.find(character);
    if (it != index.end()) return it->second;
    std::string shown = character == "\n" ? "\\n" : character == "\t" ? "\\t" : character;
    throw Error(ErrorCode::bad_input, "The character '" + shown + "' is not in the model's vocabulary (" + std::to_string(vocabulary.size()) + " characters).",
                "Use characters of the text the model learned from; CharRnn::vocabulary() lists them.");
  }

  void step(int character) {
    std::vector<Tensor> inputs;
    inputs.push_back(Tensor::from<std::int32_t>({1}, {character}));
    for (const Tensor& t : state) inputs.push_back(t);
    std::vector<Tensor> out = model.run(inputs);
    const Tensor& l = out.at(0);
    logits = std::vector<float>(l.data<float>(), l.data<float>() + l.size());
    for (std::size_t i = 0; i < state.size(); ++i) state[i] = std::move(out.at(i + 1));
  }

  static void check_temperature(float temperature) {
    if (!(temperature > 0))
      throw Error(ErrorCode::bad_input, "The temperature must be more than 0, got " + std::to_string(temperature) + ".",
                  "0.5 is ml5's default; lower is safer, higher is wilder.");
  }

  // ml5's exp(logits / T) / sum, computed with the largest logit taken off first so a low
  // temperature cannot overflow (ml5's own exp does, giving NaN).
  std::vector<float> probabilities(float temperature) const {
    check_temperature(temperature);
    if (!logits) throw Error(ErrorCode::bad_input, "There is nothing to predict from yet.", "feed() some text first.");
    const std::vector<float>& l = *logits;
    std::vector<double> z(l.size());
    for (std::size_t i = 0; i < l.size(); ++i) z[i] = static_cast<double>(l[i] / temperature);
    const double top = *std::max_element(z.begin(), z.end());
    double sum = 0;
    for (double& v : z) sum += v = std::exp(v - top);
    std::vector<float> p(l.size());
    for (std::size_t i = 0; i < l.size(); ++i) p[i] = static_cast<float>(z[i] / sum);
    return p;
  }

  // ml5's sampleFromDistribution: the first index where the running sum passes a uniform
  // number (the last possible one should rounding leave the sum short of it).
  int sample(const std::vector<float>& p) {
    const double r = random.next();
    double sum = 0;
    int last = 0;
    for (std::size_t j = 0; j < p.size(); ++j) {
      sum += p[j];
      if (p[j] > 0) last = static_cast<int>(j);
      if (r < sum) return static_cast<int>(j);
    }
    return last;
  }

  std::vector<int> encode(const std::string& text) const {
    std::vector<int> out;
    for (const std::string& ch : detail::utf8_characters(text)) out.push_back(index_of(ch));
    return out;
  }
};

CharRnn::CharRnn(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CharRnn::~CharRnn() = default;
CharRnn::CharRnn(CharRnn&&) noexcept = default;
CharRnn& CharRnn::operator=(CharRnn&&) noexcept = default;

CharRnn CharRnn::create(const CharRnnOptions& options) {
  const fs::path manifest = detail::locate_model_file(options.model);
  Model model = Model::load(manifest.string(), {.threads = options.threads, .reference_kernels = options.reference_kernels});
  const auto inputs = model.inputs();
  const auto outputs = model.outputs();
  if (inputs.empty() || inputs[0].name != "char" || outputs.empty() || outputs[0].name != "logits")
    throw Error(ErrorCode::bad_model, "'" + manifest.string() + "' is not a charRNN model (ml5's checkpoint of an LSTM).");
  auto impl = std::make_unique<Impl>(Impl{std::move(model), {}, {}, {}, {}, {}, detail::Mulberry32(options.random_seed ? options.random_seed : detail::fresh_seed())});
  for (std::size_t i = 1; i < inputs.size(); ++i) impl->zero_state.emplace_back(DType::f32, inputs[i].shape);
  for (Tensor& t : impl->zero_state) std::fill(t.data<float>(), t.data<float>() + t.size(), 0.0f);

  // vocab.json beside the manifest: {"character": index, ...}.
  const fs::path vocab_file = manifest.parent_path() / "vocab.json";
  const nlohmann::json vocab = detail::read_json_file(vocab_file);
  // The vocabulary's size is the softmax layer's: one step from the fresh state tells it.
  std::vector<Tensor> probe{Tensor::from<std::int32_t>({1}, {0})};
  for (const Tensor& t : impl->zero_state) probe.push_back(t);
  const std::int64_t size = impl->model.run(probe).at(0).size();
  if (!vocab.is_object() || static_cast<std::int64_t>(vocab.size()) != size)
    throw Error(ErrorCode::bad_model, "'" + vocab_file.string() + "' must map each of the model's " + std::to_string(size) +
                                          " characters to its index, as ml5 saves it.");
  impl->vocabulary.assign(static_cast<std::size_t>(size), std::string());
  std::vector<bool> seen(static_cast<std::size_t>(size), false);
  for (const auto& [ch, i] : vocab.items()) {
    if (!i.is_number_integer() || i.get<std::int64_t>() < 0 || i.get<std::int64_t>() >= size || seen[i.get<std::size_t>()])
      throw Error(ErrorCode::bad_model, "'" + vocab_file.string() + "' gives the character " + nlohmann::json(ch).dump() + " the index " +
                                            i.dump() + "; each index from 0 to " + std::to_string(size - 1) + " must be used once.");
    seen[i.get<std::size_t>()] = true;
    impl->vocabulary[i.get<std::size_t>()] = ch;
    // ml5's vocabularies hold "" for a character lost in saving: it can be written (as
    // nothing), never typed.
    if (!ch.empty()) impl->index[ch] = i.get<int>();
  }
  impl->reset();
  return CharRnn(std::move(impl));
}

std::string CharRnn::generate(const CharRnnGenerateOptions& options, const std::function<void(const std::string&)>& on_character) {
  if (options.seed.empty())
    throw Error(ErrorCode::bad_input, "The seed is empty.", "Give some text to start from, e.g. \"The \".");
  if (options.length < 0) throw Error(ErrorCode::bad_input, "The length must be 0 or more, got " + std::to_string(options.length) + ".");
  Impl::check_temperature(options.temperature);  // before the state is touched
  const std::vector<int> seed = impl_->encode(options.seed);
  if (!options.stateful) impl_->reset();
  // As ml5: every seed character is fed; from the last one on, each step's output is drawn
  // and fed in turn, and the last drawn one is not fed (seed + length - 1 steps).
  std::string written;
  int input = seed[0];
  const std::size_t steps = seed.size() + static_cast<std::size_t>(options.length) - 1;
  for (std::size_t i = 0; i < steps; ++i) {
    impl_->step(input);
    if (i + 1 < seed.size()) {
      input = seed[i + 1];
      continue;
    }
    input = impl_->sample(impl_->probabilities(options.temperature));
    const std::string& ch = impl_->vocabulary[static_cast<std::size_t>(input)];
    written += ch;
    if (on_character) on_character(ch);
  }
  return written;
}

void CharRnn::feed(const std::string& text) {
  for (int character : impl_->encode(text)) impl_->step(character);
}

CharPrediction CharRnn::predict(float temperature) {
  const std::vector<float> p = impl_->probabilities(temperature);
  CharPrediction out;
  out.sample = impl_->vocabulary[static_cast<std::size_t>(impl_->sample(p))];
  for (std::size_t i = 0; i < p.size(); ++i) out.probabilities.push_back({impl_->vocabulary[i], p[i]});
  return out;
}

void CharRnn::reset() { impl_->reset(); }
void CharRnn::set_random_seed(std::uint32_t seed) { impl_->random = detail::Mulberry32(seed); }
const std::vector<std::string>& CharRnn::vocabulary() const { return impl_->vocabulary; }

}  // namespace easel
