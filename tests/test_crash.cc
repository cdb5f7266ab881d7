// Process crash: a child process runs random multi-table transactions (with
// checkpoints now and then) on the real file system and reports each
// acknowledged step on a pipe the moment it returns; the parent kills it
// with SIGKILL at a random moment, reopens, and checks that the database is
// exactly the model after the last acknowledged step or the one after it
// (which may have reached the log before the kill): nothing acknowledged is
// lost, no transaction is half applied, every table loads, verify() is clean.
//
// TESSERA_CRASH_ITERATIONS (default 200) and TESSERA_CRASH_SEED (default
// random; printed on failure) control the run.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "durability_model.h"
#include "test_util.h"

using namespace tessera;
using namespace tessera::test::dur;
using tessera::test::TempDir;

namespace {

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

Config config_for(SyncMode mode) {
  Config c;
  c.durability.sync = mode;
  c.durability.normal_sync_interval_ms = 5;
  return c;
}

// The child: open, announce it (0), run the plan reporting each step's
// 1-based index once it returned. Never returns; a failure exits with 3.
[[noreturn]] void child(const std::filesystem::path& dir, const Config& config, const Plan& plan, int fd) {
  try {
    auto db = Database::open(dir, config).release();  // never closed: the process dies
    auto report = [&](uint32_t i) {
      if (::write(fd, &i, sizeof i) != sizeof i) _exit(4);
    };
    report(0);
    for (uint32_t i = 0; i < plan.steps.size(); ++i) {
      run_step(*db, plan.steps[i]);
      report(i + 1);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "crash child: %s\n", e.what());
    _exit(3);
  }
  _exit(0);
}

struct Outcome {
  bool killed = false;
  uint32_t acked = 0;  // steps acknowledged (0 also when it never opened)
  bool opened = false;
};

Outcome run_and_kill(const std::filesystem::path& dir, const Config& config, const Plan& plan, std::mt19937_64& rng) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    child(dir, config, plan, fds[1]);
  }
  ::close(fds[1]);
  Outcome out;
  uint32_t got = 0;
  // Mostly kill while transactions run; sometimes during open and recovery.
  bool during_open = rng() % 8 == 0;
  if (!during_open && ::read(fds[0], &got, sizeof got) == sizeof got) out.opened = true;
  std::this_thread::sleep_for(std::chrono::microseconds(rng() % (during_open ? 3000 : 20000)));
  ::kill(pid, SIGKILL);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  while (::read(fds[0], &got, sizeof got) == sizeof got) {
    out.opened = true;
    out.acked = std::max(out.acked, got);
  }
  ::close(fds[0]);
  out.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  INFO("child status " << status);
  REQUIRE((out.killed || (WIFEXITED(status) && WEXITSTATUS(status) == 0)));
  if (!out.killed) REQUIRE(out.acked == plan.steps.size());
  return out;
}

}  // namespace

TEST_CASE("acknowledged commits survive SIGKILL at a random moment, and no transaction is half applied") {
  const uint64_t iterations = env_or("TESSERA_CRASH_ITERATIONS", 200);
  const uint64_t seed = env_or("TESSERA_CRASH_SEED", std::random_device()() | (uint64_t{std::random_device()()} << 32));
  INFO("TESSERA_CRASH_SEED=" << seed);
  std::mt19937_64 rng(seed);
  const std::vector<std::string> data_tables = {"t1", "t2", "t3"};
  const SyncMode modes[] = {SyncMode::kFull, SyncMode::kFull, SyncMode::kNormal, SyncMode::kOff};

  std::unique_ptr<TempDir> dir;
  State state;
  uint64_t kills = 0, total_acked = 0, in_flight_present = 0;
  for (uint64_t it = 0; it < iterations; ++it) {
    if (it % 25 == 0) {  // a fresh database now and then, so it stays small
      dir = std::make_unique<TempDir>();
      PlanBuilder setup(rng(), {});
      setup.create(kLedger);
      for (const auto& t : data_tables) setup.create(t);
      Plan p = setup.take();
      auto db = Database::open(dir->path());
      for (const auto& s : p.steps) run_step(*db, s);
      state = p.after.back();
    }
    // Every step, transaction ids stay unique across iterations.
    PlanBuilder builder(rng(), state);
    for (uint32_t i = 0; i < 150; ++i) {
      if (builder.pick(10) == 0) builder.checkpoint();
      else builder.transaction(static_cast<int64_t>(it * 1000 + i + 1));
    }
    Plan plan = builder.take();
    SyncMode mode = modes[rng() % 4];
    Config config = config_for(mode);

    Outcome out = run_and_kill(dir->path(), config, plan, rng);
    kills += out.killed;
    total_acked += out.acked;

    INFO("iteration " << it << ", sync mode " << static_cast<int>(mode) << ", acknowledged steps " << out.acked);
    auto db = Database::open(dir->path(), config);
    State got = read_state(*db);
    size_t matched = got == plan.after[out.acked] ? out.acked : SIZE_MAX;
    if (matched == SIZE_MAX && out.acked + 1 < plan.after.size() && got == plan.after[out.acked + 1]) {
      matched = out.acked + 1;
      ++in_flight_present;
    }
    INFO("difference from the model after the last acknowledged step:\n" << diff(got, plan.after[out.acked]));
    REQUIRE(matched != SIZE_MAX);
    int64_t balance = 0;
    for (const auto& [id, r] : got[kLedger]) balance += r.n;
    REQUIRE(balance == kAccounts * kOpeningBalance);
    VerifyReport report = db->verify();
    INFO((report.problems.empty() ? std::string() : report.problems.front()));
    REQUIRE(report.ok());
    state = std::move(got);
  }
  // The kills must really interrupt work, or the test proves nothing.
  CHECK(kills > iterations / 2);
  CHECK(total_acked > iterations);
  WARN("crash test: " << iterations << " iterations, " << kills << " killed mid-run, " << total_acked
                      << " acknowledged steps, " << in_flight_present << " in-flight commits found durable");
}
