#include "easel/error.h"

namespace easel {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::model_not_found:
      return "model_not_found";
    case ErrorCode::bad_model:
      return "bad_model";
    case ErrorCode::unsupported_op:
      return "unsupported_op";
    case ErrorCode::bad_input:
      return "bad_input";
    case ErrorCode::io_error:
      return "io_error";
    case ErrorCode::network_error:
      return "network_error";
    case ErrorCode::internal:
      return "internal";
  }
  return "unknown";
}

Error::Error(ErrorCode code, const std::string& message, std::string hint)
    : std::runtime_error(message), code_(code), hint_(std::move(hint)) {}

}  // namespace easel
