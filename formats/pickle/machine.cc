#include "machine.h"

#include <bit>

#include <fmt/format.h>

#include "opcodes.h"
#include "tessera/text_codec.h"
#include "text_args.h"

namespace tessera::pickle_format {
Machine::Machine(ByteSource& in, std::string_view label, const Limits& limits)
    : input_(in), label_(label), limits_(limits), memo_(limits.max_memo_bytes) {}

void Machine::fail(ErrorCode code, const std::string& what) const {
  throw Error(code, fmt::format("{}: pickle: {}", label_, what));
}

std::shared_ptr<const Dict> Machine::next() {
  while (ready_.empty()) {
    if (stopped_) return nullptr;
    step();
  }
  std::shared_ptr<const Dict> d = std::move(ready_.front());
  ready_.pop_front();
  return d;
}

void Machine::step() {
  op_offset_ = input_.offset();
  if (op_offset_ - record_start_ > limits_.max_record_bytes) {
    fail(ErrorCode::kCorruption,
         fmt::format("record {} spans more than max_record_bytes ({}) at byte offset {}", records_ + 1,
                     limits_.max_record_bytes, op_offset_));
  }
  int c = input_.get();
  if (c < 0) {
    fail(ErrorCode::kCorruption,
         fmt::format("truncated: the input ends at byte offset {} before STOP", op_offset_));
  }
  op_ = static_cast<uint8_t>(c);
  // The allow-list check comes before the opcode's arguments are even read.
  switch (op_class(op_)) {
    case OpClass::kUnknown:
      fail(ErrorCode::kCorruption,
           fmt::format("byte 0x{:02x} at byte offset {} is not a pickle opcode", op_, op_offset_));
    case OpClass::kCode:
      fail(ErrorCode::kUnsupported,
           fmt::format("opcode {} (0x{:02x}) at byte offset {} is refused: it imports or calls code, "
                       "and this reader only reads data",
                       op_name(op_), op_, op_offset_));
    case OpClass::kContainer:
      fail(ErrorCode::kUnsupported,
           fmt::format("opcode {} at byte offset {} builds a tuple or a set; a table holds only "
                       "dicts of scalar values",
                       op_name(op_), op_offset_));
    case OpClass::kBuffer:
      fail(ErrorCode::kUnsupported,
           fmt::format("opcode {} at byte offset {} refers to an out-of-band buffer, which a file "
                       "cannot carry",
                       op_name(op_), op_offset_));
    case OpClass::kAllowed: break;
  }
  execute(op_);
}

void Machine::execute(uint8_t op) {
  switch (op) {
    case kProto: {
      uint8_t version = read_u8();
      if (version > 5) {
        fail(ErrorCode::kUnsupported,
             fmt::format("pickle protocol {} (PROTO at byte offset {}); this reader knows 0 to 5", version,
                         op_offset_));
      }
      break;
    }
    case kFrame: read_le(8); break;  // a read-ahead hint; opcodes are read one by one anyway
    case kStop: stop(); break;
    case kMark: marks_.push_back({stack_.size()}); break;
    case kPop: pop(); break;
    case kPopMark: stack_.resize(pop_mark().pos); break;
    case kDup: push(Obj(top())); break;
    case kNone: push(make_obj(Obj::Kind::kNone)); break;
    case kNewTrue:
    case kNewFalse: {
      Obj o = make_obj(Obj::Kind::kBool);
      o.b = op == kNewTrue;
      push(std::move(o));
      break;
    }
    case kInt: push(text_int(false)); break;
    case kLong: push(text_int(true)); break;
    case kBinInt:
    case kBinInt1:
    case kBinInt2: {
      Obj o = make_obj(Obj::Kind::kInt);
      o.i = op == kBinInt1 ? read_u8() : op == kBinInt2 ? static_cast<int64_t>(read_le(2))
                                                        : static_cast<int32_t>(read_le(4));
      push(std::move(o));
      break;
    }
    case kLong1: push(read_long(read_u8())); break;
    case kLong4: {
      auto n = static_cast<int32_t>(read_le(4));
      if (n < 0) fail(ErrorCode::kCorruption, fmt::format("LONG4 at byte offset {} has a negative length", op_offset_));
      push(read_long(static_cast<uint64_t>(n)));
      break;
    }
    case kFloat: {
      auto v = text::parse_real(read_text_line(kMaxNumberLine));
      if (!v) fail(ErrorCode::kCorruption, fmt::format("FLOAT at byte offset {} is malformed", op_offset_));
      Obj o = make_obj(Obj::Kind::kFloat);
      o.f = *v;
      push(std::move(o));
      break;
    }
    case kBinFloat: {
      uint64_t bits = 0;
      for (int i = 0; i < 8; ++i) bits = bits << 8 | read_u8();  // big-endian
      Obj o = make_obj(Obj::Kind::kFloat);
      o.f = std::bit_cast<double>(bits);
      push(std::move(o));
      break;
    }
    case kString:
    case kUnicode: {
      std::string& line = read_text_line(limits_.max_record_bytes);
      auto text = op == kString ? decode_quoted(line) : decode_raw_unicode_escape(line);
      if (!text) {
        fail(ErrorCode::kCorruption,
             fmt::format("{} at byte offset {} has a malformed argument", op_name(op), op_offset_));
      }
      push(make_str(*text));
      break;
    }
    case kBinString: {
      auto n = static_cast<int32_t>(read_le(4));
      if (n < 0) fail(ErrorCode::kCorruption, fmt::format("BINSTRING at byte offset {} has a negative length", op_offset_));
      push(make_str(read_payload(static_cast<uint64_t>(n))));
      break;
    }
    case kShortBinString:
    case kShortBinUnicode: push(make_str(read_payload(read_u8()))); break;
    case kBinUnicode: push(make_str(read_payload(read_le(4)))); break;
    case kBinUnicode8: push(make_str(read_payload(read_le(8)))); break;
    case kShortBinBytes: push(make_bytes(read_payload(read_u8()))); break;
    case kBinBytes: push(make_bytes(read_payload(read_le(4)))); break;
    case kBinBytes8:
    case kByteArray8: push(make_bytes(read_payload(read_le(8)))); break;
    case kEmptyDict: {
      Obj o = make_obj(Obj::Kind::kDict);
      o.d = std::make_shared<Dict>();
      push(std::move(o));
      break;
    }
    case kDict: {
      Mark m = pop_mark();
      if ((stack_.size() - m.pos) % 2) {
        fail(ErrorCode::kCorruption, fmt::format("DICT at byte offset {} has an odd number of items", op_offset_));
      }
      Obj o = make_obj(Obj::Kind::kDict);
      o.d = std::make_shared<Dict>();
      for (size_t i = m.pos; i < stack_.size(); i += 2) set_item(*o.d, stack_[i], stack_[i + 1]);
      stack_.resize(m.pos);
      push(std::move(o));
      break;
    }
    case kSetItem: {
      Obj value = pop();
      Obj key = pop();
      set_item(dict_at(top()), std::move(key), std::move(value));
      break;
    }
    case kSetItems: {
      Mark m = pop_mark();
      if (m.pos == 0 || (!marks_.empty() && m.pos <= marks_.back().pos)) underflow();
      if ((stack_.size() - m.pos) % 2) {
        fail(ErrorCode::kCorruption, fmt::format("SETITEMS at byte offset {} has an odd number of items", op_offset_));
      }
      Dict& d = dict_at(stack_[m.pos - 1]);
      for (size_t i = m.pos; i < stack_.size(); i += 2) set_item(d, stack_[i], stack_[i + 1]);
      stack_.resize(m.pos);
      break;
    }
    case kEmptyList:
    case kList: {
      if (op == kList) {
        Mark m = pop_mark();
        if (m.pos != stack_.size()) {
          fail(ErrorCode::kUnsupported,
               fmt::format("LIST at byte offset {} builds a list from items already read; only a "
                           "top-level list filled by APPEND or APPENDS can be streamed",
                           op_offset_));
        }
      }
      if (have_list_ || !stack_.empty() || !marks_.empty()) {
        fail(ErrorCode::kUnsupported,
             fmt::format("{} at byte offset {} starts a nested list; a table holds only dicts of "
                         "scalar values",
                         op_name(op), op_offset_));
      }
      stack_.push_back(make_obj(Obj::Kind::kTopList));
      have_list_ = true;
      break;
    }
    case kAppend: {
      Obj item = pop();
      if (top().kind != Obj::Kind::kTopList) {
        fail(ErrorCode::kUnsupported, fmt::format("APPEND at byte offset {} appends to a {}, not to the top-level list",
                                                  op_offset_, kind_name(top().kind)));
      }
      hand_out(item);
      break;
    }
    case kAppends: {
      Mark m = pop_mark();
      if (m.pos == 0 || (!marks_.empty() && m.pos <= marks_.back().pos)) underflow();
      if (stack_[m.pos - 1].kind != Obj::Kind::kTopList) {
        fail(ErrorCode::kUnsupported, fmt::format("APPENDS at byte offset {} appends to a {}, not to the top-level list",
                                                  op_offset_, kind_name(stack_[m.pos - 1].kind)));
      }
      for (size_t i = m.pos; i < stack_.size(); ++i) hand_out(stack_[i]);
      stack_.resize(m.pos);
      break;
    }
    case kPut:
    case kGet: {
      auto index = text::parse_integer(read_text_line(kMaxNumberLine));
      if (!index || *index < 0) {
        fail(ErrorCode::kCorruption, fmt::format("{} at byte offset {} has a malformed memo index", op_name(op), op_offset_));
      }
      op == kPut ? memo_put(static_cast<uint64_t>(*index)) : memo_get(static_cast<uint64_t>(*index));
      break;
    }
    case kBinPut: memo_put(read_u8()); break;
    case kLongBinPut: memo_put(read_le(4)); break;
    case kMemoize: memo_put(memo_.size()); break;
    case kBinGet: memo_get(read_u8()); break;
    case kLongBinGet: memo_get(read_le(4)); break;
    default:
      fail(ErrorCode::kUnsupported, fmt::format("opcode {} at byte offset {} is not supported", op_name(op), op_offset_));
  }
}

void Machine::stop() {
  if (!marks_.empty()) fail(ErrorCode::kCorruption, fmt::format("STOP at byte offset {} leaves a MARK open", op_offset_));
  if (!have_list_) {
    // Values pushed before a top-level list exists are kept (within the
    // record bound) rather than refused at once, so that a code opcode
    // further on is still reported by name.
    if (stack_.empty()) fail(ErrorCode::kCorruption, fmt::format("STOP at byte offset {} with nothing built", op_offset_));
    fail(ErrorCode::kUnsupported, fmt::format("the pickle holds a {}, not a list of dicts", kind_name(stack_.back().kind)));
  }
  if (stack_.size() != 1) {
    fail(ErrorCode::kCorruption, fmt::format("STOP at byte offset {} leaves {} values on the stack besides the list",
                                             op_offset_, stack_.size() - 1));
  }
  if (!input_.at_end()) {
    fail(ErrorCode::kCorruption, fmt::format("unexpected bytes after STOP, from byte offset {}", input_.offset()));
  }
  stopped_ = true;
}

void Machine::push(Obj o) {
  if (o.kind == Obj::Kind::kTopList) {
    fail(ErrorCode::kUnsupported,
         fmt::format("{} at byte offset {} uses the top-level list as a value", op_name(op_), op_offset_));
  }
  // Inside an APPENDS batch ([list, MARK, record]) a new dict starts the next
  // record, so the current one is complete: hand it out now.
  if (have_list_ && o.kind == Obj::Kind::kDict && stack_.size() == 2 && stack_[1].kind == Obj::Kind::kDict &&
      !marks_.empty() && marks_.back().pos == 1) {
    hand_out(stack_[1]);
    ++marks_.back().handed;
    stack_[1] = std::move(o);
    return;
  }
  stack_.push_back(std::move(o));
}

Obj& Machine::top() {
  size_t base = marks_.empty() ? 0 : marks_.back().pos;
  if (stack_.size() <= base) underflow();
  return stack_.back();
}

Obj Machine::pop() {
  Obj& t = top();
  if (t.kind == Obj::Kind::kTopList) {
    fail(ErrorCode::kUnsupported,
         fmt::format("{} at byte offset {} takes the top-level list off the stack", op_name(op_), op_offset_));
  }
  Obj o = std::move(t);
  stack_.pop_back();
  return o;
}

Machine::Mark Machine::pop_mark() {
  if (marks_.empty()) {
    fail(ErrorCode::kCorruption, fmt::format("{} at byte offset {} has no MARK", op_name(op_), op_offset_));
  }
  Mark m = marks_.back();
  marks_.pop_back();
  if (m.handed > 0 && op_ != kAppends) {
    fail(ErrorCode::kUnsupported,
         fmt::format("{} at byte offset {} takes back records already read; this streaming reader "
                     "reads only a list of dicts",
                     op_name(op_), op_offset_));
  }
  return m;
}

void Machine::underflow() {
  if (!marks_.empty() && marks_.back().handed > 0) {
    fail(ErrorCode::kUnsupported,
         fmt::format("{} at byte offset {} reaches back to records already read; this streaming "
                     "reader reads only a list of dicts",
                     op_name(op_), op_offset_));
  }
  fail(ErrorCode::kCorruption, fmt::format("stack underflow at {} (byte offset {})", op_name(op_), op_offset_));
}

void Machine::hand_out(const Obj& o) {
  if (o.kind != Obj::Kind::kDict) {
    fail(ErrorCode::kUnsupported, fmt::format("item {} of the top-level list (byte offset {}) is a {}, not a dict",
                                              records_ + 1, op_offset_, kind_name(o.kind)));
  }
  o.d->frozen = true;
  for (uint64_t id : o.d->memo_ids) memo_.recharge(id);  // the dict has its final size now
  o.d->memo_ids.clear();
  ready_.push_back(o.d);
  ++records_;
  record_start_ = input_.offset();
}

Dict& Machine::dict_at(Obj& o) {
  if (o.kind != Obj::Kind::kDict) {
    fail(ErrorCode::kUnsupported,
         fmt::format("{} at byte offset {} sets an item on a {}, not a dict", op_name(op_), op_offset_, kind_name(o.kind)));
  }
  return *o.d;
}

void Machine::set_item(Dict& d, Obj key, Obj value) {
  if (d.frozen) {
    fail(ErrorCode::kUnsupported,
         fmt::format("{} at byte offset {} changes a record already read", op_name(op_), op_offset_));
  }
  if (key.kind != Obj::Kind::kStr) {
    fail(ErrorCode::kUnsupported, fmt::format("{} at byte offset {}: a dict key is a {}; records need str keys",
                                              op_name(op_), op_offset_, kind_name(key.kind)));
  }
  if (value.kind == Obj::Kind::kDict || value.kind == Obj::Kind::kTopList) {
    fail(ErrorCode::kUnsupported, fmt::format("{} at byte offset {}: a dict value is a {}; a table holds only "
                                              "scalar values",
                                              op_name(op_), op_offset_, kind_name(value.kind)));
  }
  d.set(std::move(key.s), std::move(value));
}

void Machine::memo_put(uint64_t index) {
  Obj& t = top();
  if (t.kind == Obj::Kind::kDict) t.d->memo_ids.push_back(index);
  memo_.put(index, t);
}

void Machine::memo_get(uint64_t index) {
  Obj o;
  switch (memo_.get(index, o)) {
    case Memo::Status::kFound: break;
    case Memo::Status::kDropped:
      fail(ErrorCode::kUnsupported,
           fmt::format("{} at byte offset {} refers to memo entry {}, which was dropped to keep memory "
                       "within max_memo_bytes ({}); a larger max_memo_bytes reads this file",
                       op_name(op_), op_offset_, index, limits_.max_memo_bytes));
    case Memo::Status::kMissing:
      fail(ErrorCode::kCorruption, fmt::format("{} at byte offset {} refers to memo entry {}, which was never stored",
                                               op_name(op_), op_offset_, index));
  }
  push(std::move(o));
}

}  // namespace tessera::pickle_format
