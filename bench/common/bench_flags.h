// Command-line flags of the bench programs: "--name value" and "--switch".
//
//   for (bench::Flags f(argc, argv); f.next();)
//     if (f.is("--rows")) rows = std::stoll(f.value());
//     else f.unknown();
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace bench {

class Flags {
 public:
  Flags(int argc, char** argv) : argc_(argc), argv_(argv) {}
  // Moves to the next flag; false when there is none.
  bool next() { return ++i_ < argc_; }
  bool is(std::string_view name) const { return name == argv_[i_]; }
  // The value that follows the current flag.
  std::string value() {
    if (i_ + 1 >= argc_) throw std::runtime_error(std::string(argv_[i_]) + " needs a value");
    return argv_[++i_];
  }
  [[noreturn]] void unknown() const { throw std::runtime_error(std::string("unknown flag ") + argv_[i_]); }

 private:
  int argc_;
  char** argv_;
  int i_ = 0;
};

}  // namespace bench
