// Helpers for the format conformance suite: every Format and Compressor the
// registry finds on its default search path (TESSERA_PLUGIN_PATH first, so a
// third party's plugins are checked too), stacked as the framework stacks
// them, and records with the edge values every format must keep.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tessera/compressor.h"
#include "tessera/config.h"
#include "tessera/format.h"
#include "tessera/plugin_registry.h"
#include "tessera/schema.h"
#include "../format_test_util.h"  // same(): equal type, value, sign of zero

namespace tessera::test {

const PluginRegistry& format_registry();

// A format with a compressor ("none" or a Compressor component).
struct Stack {
  std::string format;
  std::string compressor;
  std::string label() const { return format + "+" + compressor; }
  TableConfig table_config() const;
};
// Every loaded format with "none" and with every loaded compressor.
std::vector<Stack> all_stacks();

// Reads and writes a stack in memory the way the framework does: the
// format's bytes go through compress() as one frame; reading decompresses
// through new_decompressing_source.
class StackCodec {
 public:
  explicit StackCodec(const Stack& stack);
  std::string encode(const Schema& schema, const std::vector<Record>& records) const;
  // Reads records from in (the stored bytes) until the end; throws what the
  // reader throws.
  std::vector<Record> decode(const Schema& schema, ByteSource& in) const;
  // Opens a reader over in; decompression state lives in holder.
  std::unique_ptr<RecordReader> open(const Schema& schema, ByteSource& in,
                                     std::unique_ptr<ByteSource>& holder) const;
  const Format& format() const { return *format_; }
  bool compressed() const { return compressor_ != nullptr; }

 private:
  std::unique_ptr<Format> format_;
  std::unique_ptr<Compressor> compressor_;
};

// Counts the bytes handed out by the source it wraps.
class CountingSource final : public ByteSource {
 public:
  explicit CountingSource(ByteSource& in) : in_(in) {}
  size_t read(void* buffer, size_t size) override {
    size_t n = in_.read(buffer, size);
    bytes_ += n;
    return n;
  }
  uint64_t bytes() const { return bytes_; }

 private:
  ByteSource& in_;
  uint64_t bytes_ = 0;
};

// id INTEGER PRIMARY KEY, b BOOLEAN, i INTEGER, r REAL, t TEXT, bl BLOB, ts TIMESTAMP.
Schema all_types_schema();
// Edge values of every type, NULL in every column but the key, a 1.5 MB blob.
std::vector<Record> edge_records();
// Values some formats cannot write (far timestamps): each must be refused by
// the writer with kUnsupported or read back equal.
std::vector<Value> hard_timestamps();
// A deterministic record of all_types_schema() for id.
Record generated_record(int64_t id);

// Checks (as Catch2 CHECKs) that got equals want record by record.
void check_records(const std::vector<Record>& got, const std::vector<Record>& want);
std::string show(const Record& r);

Config quiet_config();  // durability off: these tests are about formats

}  // namespace tessera::test

// Runs the block once per stack, as a Catch2 section named after it.
#define FOR_EACH_STACK(var)                                        \
  const auto tessera_stacks_ = ::tessera::test::all_stacks();      \
  REQUIRE(!tessera_stacks_.empty());                               \
  for (const ::tessera::test::Stack& var : tessera_stacks_)        \
  DYNAMIC_SECTION("stack " << var.label())
