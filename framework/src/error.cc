#include "tessera/error.h"

namespace tessera {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kConstraint: return "constraint violation";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kAlreadyExists: return "already exists";
    case ErrorCode::kCorruption: return "corruption";
    case ErrorCode::kIO: return "I/O error";
    case ErrorCode::kPlugin: return "plugin error";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kConfig: return "configuration error";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kReadOnly: return "read-only";
  }
  return "error";
}

Error::Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
Error::~Error() = default;

}  // namespace tessera
