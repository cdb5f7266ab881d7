// The WAL payload: what one log record means to the engine. Part of the
// persistent format (docs/formats/wal.md, "Payload"): do not change the
// numeric values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/value.h"

namespace tessera::detail {

enum class WalRecordKind : uint8_t {
  kCommit = 1,       // row changes of one transaction, over one or more tables
  kCreateTable = 2,  // marker: the table (catalog already durable) starts here
  kDropTable = 3,    // marker: the table was dropped
};

struct RowChange {
  Value key;
  std::optional<Record> row;  // nullopt: deleted
};

struct TableChangeSet {
  std::string table;
  std::vector<RowChange> changes;
};

struct DecodedRecord {
  WalRecordKind kind;
  std::string table;                    // create/drop
  std::vector<TableChangeSet> commit;  // commit
};

void encode_value(std::string& out, const Value& v);
std::string encode_marker(WalRecordKind kind, std::string_view table);

// Appends one table's changes to a commit payload under construction.
class CommitEncoder {
 public:
  explicit CommitEncoder(size_t tables);
  void begin_table(std::string_view name, size_t changes);
  void put(const Record& row);
  void erase(const Value& key);
  std::string& payload() { return out_; }

 private:
  std::string out_;
};

// Throws Error(kCorruption) when the payload does not decode.
DecodedRecord decode_record(std::string_view payload);

}  // namespace tessera::detail
