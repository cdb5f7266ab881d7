// Value: TEXT storage (inline up to Text::kInline bytes, heap beyond),
// copies and moves, ordering and hashing across the two storages.
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "tessera/value.h"

using namespace tessera;
using value_detail::Text;

namespace {
std::string text_of(size_t n, char first) {
  std::string s(n, 'x');
  if (n) s[0] = first;
  return s;
}
}  // namespace

TEST_CASE("text of every length around the inline limit reads back, copies and moves") {
  for (size_t n : {size_t{0}, size_t{1}, Text::kInline - 1, Text::kInline, Text::kInline + 1, size_t{100}}) {
    CAPTURE(n);
    const std::string s = text_of(n, 'a');
    Value v(s);
    CHECK(v.type() == Type::kText);
    CHECK(v.as_text() == s);

    Value copy = v;
    CHECK(copy.as_text() == s);
    CHECK(copy.as_text().data() != v.as_text().data());  // its own bytes

    Value moved = std::move(copy);
    CHECK(moved.as_text() == s);
    CHECK(v.as_text() == s);  // the source of the copy is untouched

    Value assigned("other");
    assigned = moved;
    CHECK(assigned.as_text() == s);
    assigned = Value(text_of(n + 40, 'b'));  // inline -> heap or heap -> longer heap
    CHECK(assigned.as_text() == text_of(n + 40, 'b'));
    assigned = Value("z");  // back to inline
    CHECK(assigned.as_text() == "z");
  }
}

TEST_CASE("text keeps embedded zero bytes") {
  const std::string s("a\0b", 3);
  CHECK(Value(s).as_text() == s);
  CHECK(Value(s).as_text().size() == 3);
}

TEST_CASE("text storage does not change order, equality or hash") {
  // Equal strings, one built short and grown, compare and hash alike; the
  // order is bytewise whichever storage each side uses.
  const std::string long_a = text_of(Text::kInline + 5, 'a');
  const std::string short_b = "b";
  CHECK(Value(long_a) < Value(short_b));
  CHECK(Value(short_b) > Value(long_a));
  CHECK(Value(long_a) == Value(std::string_view(long_a)));
  CHECK(Value(long_a).hash() == Value(long_a.c_str()).hash());
  CHECK(Value(text_of(Text::kInline, 'q')) < Value(text_of(Text::kInline + 1, 'q')));
  CHECK(Value("abc").hash() != Value("abd").hash());
}

TEST_CASE("values holding text survive vector growth and self-assignment") {
  std::vector<Value> values;
  for (int i = 0; i < 1000; ++i) values.emplace_back(text_of(static_cast<size_t>(i % 70), static_cast<char>('a' + i % 26)));
  for (int i = 0; i < 1000; ++i) {
    CAPTURE(i);
    CHECK(values[i].as_text() == text_of(static_cast<size_t>(i % 70), static_cast<char>('a' + i % 26)));
  }
  Value& self = values[999];
  self = values[999];
  CHECK(self.as_text() == text_of(999 % 70, static_cast<char>('a' + 999 % 26)));
}

TEST_CASE("memory usage counts heap text only") {
  CHECK(Value("short").memory_usage() == sizeof(Value));
  CHECK(Value(text_of(100, 'a')).memory_usage() == sizeof(Value) + 100);
}
