// Error reporting for the Tessera API and SDK.
//
// Every failure is reported by throwing tessera::Error (or a subclass). The
// message always names what failed: the table, column, file, plugin or key.
// Error is defined in libtessera.so so that plugins (built with hidden
// visibility) throw the same type the host catches.
#pragma once

#include <stdexcept>
#include <string>

namespace tessera {

// What kind of failure an Error reports. Stable: hosts switch on it.
enum class ErrorCode {
  kInvalidArgument,  // a bad name, value, option or call
  kConstraint,       // a schema constraint refused a write
  kNotFound,         // no such table, column, row or file
  kAlreadyExists,    // the table, index or component exists already
  kCorruption,       // stored bytes are not what was written
  kIO,               // the operating system refused a file operation
  kPlugin,           // a plugin could not be loaded, or is missing
  kUnavailable,      // the object exists but cannot be used (see message)
  kConfig,           // a configuration key is unknown or has the wrong type
  kUnsupported,      // the component does not implement this operation
  kReadOnly,         // the database refuses writes (after an fsync failure)
};

const char* to_string(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message);
  ~Error() override;
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace tessera
