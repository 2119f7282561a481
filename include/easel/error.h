// easel::Error: the one exception type of the library. Its message is a sentence that
// names the file, field or op at fault; hint() says how to fix it.
//
//   try {
//     easel::Model::load("posnet");
//   } catch (const easel::Error& e) {
//     std::printf("%s\n%s\n", e.what(), e.hint().c_str());   // ... Did you mean 'posenet'?
//   }
#pragma once

#include <stdexcept>
#include <string>

namespace easel {

enum class ErrorCode {
  model_not_found,  // no model by that name, or not available offline
  bad_model,        // a model file is malformed or fails its checksum
  unsupported_op,   // the model uses an op easel does not implement
  bad_input,        // the caller passed something unusable
  io_error,         // reading or writing a file failed
  network_error,    // a download failed
  internal,         // a bug in easel
};

const char* to_string(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message, std::string hint = {});
  ErrorCode code() const { return code_; }
  const std::string& hint() const { return hint_; }

 private:
  ErrorCode code_;
  std::string hint_;
};

}  // namespace easel
