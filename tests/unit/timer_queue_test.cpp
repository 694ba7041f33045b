#include "net/timer_queue.h"

#include <string>

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using prsm::net::Clock;
using prsm::net::TimerQueue;

TEST_CASE("timers come due in deadline order, ties in insertion order", "[timers]") {
  TimerQueue timers;
  const auto t0 = Clock::now();
  std::string order;
  timers.Add(t0 + 30ms, [&] { order += 'c'; });
  timers.Add(t0 + 10ms, [&] { order += 'a'; });
  timers.Add(t0 + 20ms, [&] { order += 'b'; });
  timers.Add(t0 + 20ms, [&] { order += 'B'; });
  REQUIRE(timers.NextDeadline() == t0 + 10ms);

  std::vector<std::function<void()>> due;
  timers.TakeDue(t0 + 5ms, due);
  CHECK(due.empty());
  timers.TakeDue(t0 + 20ms, due);
  for (auto& fn : due) fn();
  CHECK(order == "abB");
  CHECK(timers.size() == 1);
  CHECK(timers.NextDeadline() == t0 + 30ms);
}

TEST_CASE("a cancelled timer never runs and no longer sets the deadline", "[timers]") {
  TimerQueue timers;
  const auto t0 = Clock::now();
  bool ran = false;
  auto first = timers.Add(t0 + 1ms, [&] { ran = true; });
  timers.Add(t0 + 5ms, [] {});
  CHECK(timers.Cancel(first));
  CHECK_FALSE(timers.Cancel(first));  // idempotent
  CHECK_FALSE(timers.Cancel(0));
  CHECK(timers.NextDeadline() == t0 + 5ms);
  std::vector<std::function<void()>> due;
  timers.TakeDue(t0 + 10ms, due);
  for (auto& fn : due) fn();
  CHECK_FALSE(ran);
  CHECK(due.size() == 1);
  CHECK_FALSE(timers.NextDeadline());
}

TEST_CASE("mass cancellation does not leave the heap full of tombstones", "[timers]") {
  TimerQueue timers;
  const auto t0 = Clock::now();
  std::vector<prsm::net::TimerId> ids;
  for (int i = 0; i < 10'000; ++i)
    ids.push_back(timers.Add(t0 + std::chrono::seconds(i + 1), [] {}));
  for (int i = 0; i < 9'999; ++i) timers.Cancel(ids[static_cast<std::size_t>(i)]);
  CHECK(timers.size() == 1);
  CHECK(timers.heap_entries() <= 64);
  CHECK(timers.NextDeadline() == t0 + 10'000s);
}
