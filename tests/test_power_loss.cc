// Power loss at every file operation: a deterministic workload (multi-table
// transactions, checkpoints, log rotation, create and drop table) runs on the
// fault-injecting file system; the run is cut right after operation N (every
// later operation fails, so the disk holds exactly what the first N did),
// everything not made durable is dropped (crash()), and the database reopens
// on the real files with the POSIX file system.
//
// sync=full: the state is exactly the model after the last acknowledged step
// (or the next one, whose record may have become durable before the cut).
// sync=normal/off: commits may be lost from the tail, but never in part.
#include <catch2/catch.hpp>

#include "durability_model.h"
#include "fault_fs.h"
#include "test_util.h"

using namespace tessera;
using namespace tessera::test::dur;
using tessera::test::FaultFs;
using tessera::test::TempDir;

namespace {

Plan workload() {
  PlanBuilder b(20240601, {});
  int64_t txn = 1;
  b.create(kLedger);
  b.create("t1");
  b.create("t2");
  for (int i = 0; i < 4; ++i) b.transaction(txn++);
  b.checkpoint();
  b.create("t3");
  for (int i = 0; i < 3; ++i) b.transaction(txn++);
  b.drop("t2");
  for (int i = 0; i < 3; ++i) b.transaction(txn++);  // enough to pass the auto-checkpoint size
  b.checkpoint();
  for (int i = 0; i < 2; ++i) b.transaction(txn++);
  return b.take();
}

Config config_for(SyncMode mode) {
  Config c;
  c.durability.sync = mode;
  c.durability.checkpoint_wal_bytes = 1200;  // rotate and checkpoint inside commits too
  c.durability.normal_sync_interval_ms = 1;
  return c;
}

struct Run {
  size_t acked = 0;     // steps that returned
  uint64_t ops = 0;     // file operations done
};

// Runs the plan until a step fails; closes without letting errors escape.
Run run(FaultFs& f, const std::filesystem::path& dir, const Config& config, const Plan& plan) {
  Run r;
  std::unique_ptr<Database> db;
  try {
    OpenOptions options;
    options.file_system = &f;
    db = Database::open(dir, config, options);
    for (const auto& s : plan.steps) {
      run_step(*db, s);
      ++r.acked;
    }
    db->close();
  } catch (const Error&) {
    if (db) {
      try {
        db->close();
      } catch (const Error&) {
      }
    }
  }
  db.reset();
  r.ops = f.count(FaultFs::Op::kAny);
  return r;
}

// Cuts the workload after op n for every n in [1, total], reopens and checks.
void cut_everywhere(SyncMode mode) {
  const Plan plan = workload();
  const Config config = config_for(mode);
  uint64_t total = 0;
  {
    TempDir root;
    FaultFs f(root.path());
    Run r = run(f, root / "db", config, plan);
    REQUIRE(r.acked == plan.steps.size());
    total = r.ops;
  }
  REQUIRE(total > 50);
  size_t lost_tail = 0;
  for (uint64_t n = 1; n <= total; ++n) {
    TempDir root;
    FaultFs f(root.path());
    f.fail_nth(FaultFs::Op::kAny, n + 1, EIO, /*persistent=*/true);
    Run r = run(f, root / "db", config, plan);
    f.crash();

    INFO("sync mode " << static_cast<int>(mode) << ", cut after operation " << n << " of " << total
                      << ", acknowledged steps " << r.acked);
    auto db = Database::open(root / "db", config);  // the real files, POSIX
    State got = read_state(*db);
    INFO("difference from the model after the last acknowledged step:\n" << diff(got, plan.after[r.acked]));
    if (mode == SyncMode::kFull) {
      bool ok = got == plan.after[r.acked] || (r.acked < plan.steps.size() && got == plan.after[r.acked + 1]);
      REQUIRE(ok);
    } else {
      bool ok = false;
      size_t last = std::min(r.acked + 1, plan.steps.size());
      for (size_t j = last + 1; j-- > 0 && !ok;) ok = matches_prefix(plan, j, last, got);
      REQUIRE(ok);
      lost_tail += got != plan.after[r.acked] && (r.acked == plan.steps.size() || got != plan.after[r.acked + 1]);
    }
    VerifyReport report = db->verify();
    INFO((report.problems.empty() ? std::string() : report.problems.front()));
    REQUIRE(report.ok());
  }
  WARN("power loss, sync mode " << static_cast<int>(mode) << ": cut at each of " << total << " file operations"
                                << (mode == SyncMode::kFull ? std::string()
                                                            : ", " + std::to_string(lost_tail) + " lost a tail"));
}

}  // namespace

TEST_CASE("power loss after any file operation loses no acknowledged commit (sync full)") {
  cut_everywhere(SyncMode::kFull);
}

TEST_CASE("power loss after any file operation leaves whole transactions only (sync normal)") {
  cut_everywhere(SyncMode::kNormal);
}

TEST_CASE("power loss after any file operation leaves whole transactions only (sync off)") {
  cut_everywhere(SyncMode::kOff);
}
