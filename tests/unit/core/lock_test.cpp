#include "core/lock.hpp"

#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include "support/temp_dir.hpp"

using namespace gbpm;

TEST_CASE("a second holder gets a temporary error naming the first", "[lock]") {
  testing::TempDir dir;
  auto first = core::InstanceLock::acquire(dir / "locks", "layout-update");
  REQUIRE(first.ok());

  // flock is per open file description: a second open in this process
  // contends exactly like another process would.
  const auto second = core::InstanceLock::acquire(dir / "locks", "layout-update");
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().kind == ErrorKind::temporary);
  CHECK(second.error().message.find("pid " + std::to_string(::getpid())) != std::string::npos);
  CHECK(second.error().message.find("layout-update") != std::string::npos);

  // A different target is a different lock.
  CHECK(core::InstanceLock::acquire(dir / "locks", "layout-update@other").ok());
}

TEST_CASE("the lock is released when the holder goes away, even by crashing", "[lock]") {
  testing::TempDir dir;
  {
    auto held = core::InstanceLock::acquire(dir.path(), "daily-kpi");
    REQUIRE(held.ok());
  }
  CHECK(core::InstanceLock::acquire(dir.path(), "daily-kpi").ok());

  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto held = core::InstanceLock::acquire(dir.path(), "daily-kpi");
    const char c = held.ok() ? 'y' : 'n';
    (void)!::write(ready[1], &c, 1);
    ::pause();  // hold until killed
    ::_exit(0);
  }
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  REQUIRE(c == 'y');
  const auto blocked = core::InstanceLock::acquire(dir.path(), "daily-kpi");
  REQUIRE_FALSE(blocked.ok());
  CHECK(blocked.error().message.find("pid " + std::to_string(child)) != std::string::npos);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(ready[0]);
  ::close(ready[1]);
  CHECK(core::InstanceLock::acquire(dir.path(), "daily-kpi").ok());
}

TEST_CASE("lock names are made file-name safe", "[lock]") {
  CHECK(core::lock_file_name("layout-update@gsheets:1AbC/x") == "layout-update@gsheets_1AbC_x.lock");
  CHECK(core::lock_file_name("../etc") == "_.._etc.lock");
}
