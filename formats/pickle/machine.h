// A streaming, data-only pickle interpreter for one shape of pickle: a
// top-level list of dicts with str keys and scalar values.
//
// Safety: every opcode is checked against an allow-list before it runs.
// Opcodes that import or call code (GLOBAL, STACK_GLOBAL, REDUCE, BUILD,
// INST, OBJ, NEWOBJ, NEWOBJ_EX, EXT1/2/4, PERSID, BINPERSID) are refused with
// the opcode's name and byte offset; nothing is ever looked up or called.
//
// Streaming: the top-level list is never built. A dict is handed out as a
// record when it is appended to that list (APPEND, APPENDS) or, inside an
// APPENDS batch, as soon as the next dict of the batch starts (a dict cannot
// be a dict key, so the previous one is complete). Memory is therefore one
// record, the stack above it and the memo's budget (see memo.h). Pickles
// that use records in other ways after handing them out (taking them back
// into a tuple, changing them through the memo) are refused as kUnsupported.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "input.h"
#include "memo.h"
#include "objects.h"
#include "tessera/error.h"

namespace tessera::pickle_format {

struct Limits {
  // Most input bytes one record may span (a bound on the stack as well).
  uint64_t max_record_bytes = uint64_t{1} << 30;
  uint64_t max_memo_bytes = uint64_t{32} << 20;
};

class Machine {
 public:
  Machine(ByteSource& in, std::string_view label, const Limits& limits);

  // The next record, or nullptr after STOP (when nothing follows it).
  std::shared_ptr<const Dict> next();
  // Records handed out so far.
  uint64_t records() const { return records_; }
  // Offset of the opcode being run, for messages.
  uint64_t op_offset() const { return op_offset_; }

  [[noreturn]] void fail(ErrorCode code, const std::string& what) const;

 private:
  // Longest argument line accepted for INT, LONG, FLOAT, GET and PUT.
  static constexpr size_t kMaxNumberLine = 4096;

  struct Mark {
    size_t pos;           // stack size when MARK ran
    uint64_t handed = 0;  // records handed out early that sit above it
  };

  void step();
  void execute(uint8_t op);
  void stop();

  void push(Obj o);
  Obj pop();
  Obj& top();
  Mark pop_mark();
  [[noreturn]] void underflow();
  void hand_out(const Obj& o);
  void set_item(Dict& d, Obj key, Obj value);
  Dict& dict_at(Obj& o);
  void memo_put(uint64_t index);
  void memo_get(uint64_t index);

  uint8_t read_u8();
  uint64_t read_le(int bytes);
  std::string& read_payload(uint64_t n);
  std::string& read_text_line(size_t max);
  Obj read_long(uint64_t n);
  Obj text_int(bool is_long);
  Obj make_str(std::string& bytes);
  Obj make_bytes(std::string& bytes);

  Input input_;
  std::string label_;
  Limits limits_;
  Memo memo_;
  std::vector<Obj> stack_;
  std::vector<Mark> marks_;
  std::deque<std::shared_ptr<Dict>> ready_;
  std::string scratch_;
  uint8_t op_ = 0;
  uint64_t op_offset_ = 0;
  uint64_t record_start_ = 0;  // input offset where the current record began
  uint64_t records_ = 0;
  bool have_list_ = false;
  bool stopped_ = false;
};

}  // namespace tessera::pickle_format
