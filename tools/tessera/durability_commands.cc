// Durability commands: verify, backup, restore, recover, checkpoint
// (docs/cli.md, docs/durability.md).
#include <fmt/format.h>

#include "command.h"
#include "tessera/error.h"

namespace tessera::cli {

namespace {

namespace fs = std::filesystem;

// Opens like Context::open_database (never creates a database) but with
// options, for recover --salvage.
std::unique_ptr<Database> open_with(const Context& context, const fs::path& dir, const OpenOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw CommandError(fmt::format("{}: no such database folder", dir.string()));
  if (!fs::exists(dir / "tessera.json", ec))
    throw CommandError(fmt::format("{} is not a Tessera database (it has no tessera.json)", dir.string()));
  return Database::open(dir, context.config(), options);
}

class VerifyCommand final : public Command {
 public:
  std::string name() const override { return "verify"; }
  std::string summary() const override {
    return "Check every data file's checksum and the whole write-ahead log; exit 1 on problems";
  }
  void add_options(CLI::App& app) override {
    app.add_option("DIR", dir_, "Database folder")->required()->type_name("");
  }
  int run(const Context& context) override {
    std::unique_ptr<Database> db;
    try {
      db = open_with(context, dir_, OpenOptions());
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kCorruption) throw;
      fmt::print("{}\n", e.what());  // a damaged log: the open is the problem
      fmt::print("1 problem\n");
      return 1;
    }
    VerifyReport report = db->verify();
    for (const auto& p : report.problems) fmt::print("{}\n", p);
    if (report.ok()) {
      fmt::print("ok: {} data file(s), {} log record(s) verified\n", report.files_checked, report.wal_records);
      return 0;
    }
    fmt::print("{} problem(s)\n", report.problems.size());
    return 1;
  }

 private:
  fs::path dir_;
};

class BackupCommand final : public Command {
 public:
  std::string name() const override { return "backup"; }
  std::string summary() const override { return "Write a verified, consistent copy of a database"; }
  void add_options(CLI::App& app) override {
    app.add_option("DIR", dir_, "Database folder")->required()->type_name("");
    app.add_option("DEST", dest_, "New backup folder, or an existing folder to put a dated one in")
        ->required()
        ->type_name("");
  }
  int run(const Context& context) override {
    BackupReport r = context.open_database(dir_)->backup(dest_);
    fmt::print("backup {}: {} file(s), {} bytes, up to commit {}\n", r.path.string(), r.files, r.bytes,
               r.checkpoint_lsn);
    return 0;
  }

 private:
  fs::path dir_, dest_;
};

class RestoreCommand final : public Command {
 public:
  std::string name() const override { return "restore"; }
  std::string summary() const override { return "Verify a backup and restore it into a folder"; }
  void add_options(CLI::App& app) override {
    app.add_option("BACKUP", backup_, "Backup folder (holding backup.json)")->required()->type_name("");
    app.add_option("DIR", dir_, "Target database folder")->required()->type_name("");
    app.add_flag("--force", force_, "Empty a non-empty target folder first");
  }
  int run(const Context&) override {
    Database::restore(backup_, dir_, force_);
    fmt::print("restored {} into {}\n", backup_.string(), dir_.string());
    return 0;
  }

 private:
  fs::path backup_, dir_;
  bool force_ = false;
};

class RecoverCommand final : public Command {
 public:
  std::string name() const override { return "recover"; }
  std::string summary() const override {
    return "Replay the write-ahead log and report; --salvage drops a damaged log's rest";
  }
  void add_options(CLI::App& app) override {
    app.add_option("DIR", dir_, "Database folder")->required()->type_name("");
    app.add_flag("--salvage", salvage_, "Keep every commit before damage in the log, drop the rest");
  }
  int run(const Context& context) override {
    OpenOptions options;
    options.salvage = salvage_;
    std::unique_ptr<Database> db;
    try {
      db = open_with(context, dir_, options);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kCorruption) throw;
      fmt::print("recovery refused: {}\n", e.what());
      return 1;
    }
    const RecoveryReport& r = db->recovery();
    fmt::print("replayed {} commit(s) from the write-ahead log\n", r.replayed_commits);
    if (r.torn_tail) fmt::print("a torn record at the log's tail was dropped\n");
    if (r.salvaged)
      fmt::print("salvaged: damage at {}; dropped {} record(s), {} byte(s)\n", r.damage, r.dropped_records,
                 r.dropped_bytes);
    else if (salvage_)
      fmt::print("nothing to salvage: the log is intact\n");
    db->close();  // checkpoints: the recovered state is in the tables' files
    return 0;
  }

 private:
  fs::path dir_;
  bool salvage_ = false;
};

class CheckpointCommand final : public Command {
 public:
  std::string name() const override { return "checkpoint"; }
  std::string summary() const override { return "Write committed changes into the tables' files, retire the log"; }
  void add_options(CLI::App& app) override {
    app.add_option("DIR", dir_, "Database folder")->required()->type_name("");
  }
  int run(const Context& context) override {
    auto db = context.open_database(dir_);
    uint64_t replayed = db->recovery().replayed_commits;
    db->checkpoint();
    db->close();
    fmt::print("checkpoint done: {} commit(s) from the log written into table files\n", replayed);
    return 0;
  }

 private:
  fs::path dir_;
};

}  // namespace

void register_durability_commands(CommandRegistry& registry) {
  registry.add(std::make_unique<VerifyCommand>());
  registry.add(std::make_unique<BackupCommand>());
  registry.add(std::make_unique<RestoreCommand>());
  registry.add(std::make_unique<RecoverCommand>());
  registry.add(std::make_unique<CheckpointCommand>());
}

}  // namespace tessera::cli
