// The fault-injection matrix (issue 5, point 6): every fault of fault_cases.h x every protocol
// the fake provider speaks x plain and streamed calls, each checked
//   (a) without retries or fallback: the exact typed error (code, HTTP status, Retry-After);
//   (b) with a retry policy of tiny backoff and the fault on the first request only: success on
//       the retry with attempts [failed, succeeded], or, for what must not be retried, the same
//       error after exactly one request; Retry-After honoured (the retry starts >= 2 s later);
//   (c) with a fallback stage to a healthy model: success from it, attempts [failed, succeeded];
//   (d) (faults with a Retry-After) a request deadline shorter than the Retry-After: the 429
//       at once, with its Retry-After, after one request;
// and in every run: on_done exactly once, and for streams nothing after a kError event, on_done
// after the last event, no events for a failure before the commit point.
//
// One TEST_CASE per fault; within it every (protocol, mode, check) run goes at once on its own
// threads (each with its own fake server and orchestrator), and the observations are asserted
// here, on the test thread.
#include <chrono>
#include <future>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "fault_cases.h"
#include "fault_runner.h"
#include "prsm/prsm.h"

using namespace std::chrono_literals;
using prsm::Attempt;
using prsm::ErrorCode;
using prsm::Response;
using prsm::StreamEvent;
using prsm::testing::faults::Cell;
using prsm::testing::faults::Check;
using prsm::testing::faults::Effect;
using prsm::testing::faults::Fault;
using prsm::testing::faults::kBackupModel;
using prsm::testing::faults::kFaultyModel;
using prsm::testing::faults::Mode;
using prsm::testing::faults::Observation;
using prsm::testing::faults::Transport;

namespace {

// Requests a failure of the faulty model leaves on a server: none when it never connects.
std::uint64_t ReachedPerFailure(const Cell& cell) {
  return cell.fault->transport == Transport::kServer ? 1 : 0;
}

void CheckError(const prsm::Error& error, const Effect& effect) {
  CHECK(error.code() == effect.code);
  CHECK(error.http_status() == effect.http_status);
  CHECK(error.retry_after() == effect.retry_after);
  CHECK(error.model() == kFaultyModel);
  CHECK(error.provider() == "faulty");
}

void CheckFailedAttempt(const Attempt& attempt, const Effect& effect) {
  CHECK(attempt.model == kFaultyModel);
  CHECK(attempt.outcome == Attempt::Outcome::kFailed);
  REQUIRE(attempt.error);
  CHECK(attempt.error->code() == effect.code);
  CHECK(attempt.error->http_status() == effect.http_status);
}

// The callback contract, whatever the outcome.
void CheckCallbacks(const Cell& cell, const Observation& observed) {
  CHECK(observed.done_calls == 1);
  CHECK(observed.events_after_done == 0);
  REQUIRE(observed.outcome);
  const auto& outcome = *observed.outcome;
  if (cell.mode == Mode::kPlain) {
    CHECK(observed.events.empty());
    return;
  }
  std::size_t errors = 0;
  for (std::size_t i = 0; i < observed.events.size(); ++i) {
    const StreamEvent& event = observed.events[i];
    if (event.kind != StreamEvent::Kind::kError) continue;
    ++errors;
    CHECK(i + 1 == observed.events.size());  // nothing after a kError event
  }
  if (outcome) {
    CHECK(errors == 0);
    std::string text;
    for (const StreamEvent& event : observed.events) {
      CHECK(event.model == outcome->model);
      if (event.kind == StreamEvent::Kind::kTextDelta) text += event.text;
    }
    CHECK(text == outcome->answer);
    return;
  }
  if (cell.effect().committed) {
    // Content, then exactly one kError event carrying the request's error.
    bool content = false;
    for (const StreamEvent& event : observed.events) content = content || event.is_content();
    CHECK(content);
    CHECK(errors == 1);
    REQUIRE_FALSE(observed.events.empty());
    const StreamEvent& last = observed.events.back();
    CHECK(last.kind == StreamEvent::Kind::kError);
    REQUIRE(last.error);
    CHECK(last.error->code() == outcome.error().code());
    CHECK(last.model == kFaultyModel);
  } else {
    CHECK(observed.events.empty());  // held events of a failed attempt are never delivered
  }
}

void CheckNoRetry(const Cell& cell, const Observation& observed) {
  const Effect& effect = cell.effect();
  REQUIRE_FALSE(*observed.outcome);
  CheckError(observed.outcome->error(), effect);
  CHECK(observed.faulty_requests == ReachedPerFailure(cell));
  CHECK(observed.backup_requests == 0);
  CHECK(observed.stats.attempts == 1);
  CHECK(observed.stats.retries == 0);
}

void CheckRetry(const Cell& cell, const Observation& observed) {
  const Effect& effect = cell.effect();
  const auto& outcome = *observed.outcome;
  CHECK(observed.backup_requests == 0);
  if (cell.fault->transport == Transport::kDns) {
    // A name that never resolves is retried (kUnavailable), and fails every time.
    REQUIRE_FALSE(outcome);
    CheckError(outcome.error(), effect);
    CHECK(observed.stats.attempts == 3);
    CHECK(observed.stats.retries == 2);
    return;
  }
  if (!effect.retryable || effect.committed) {
    // Not retried: one request, the same error.
    REQUIRE_FALSE(outcome);
    CheckError(outcome.error(), effect);
    CHECK(observed.faulty_requests == ReachedPerFailure(cell));
    CHECK(observed.stats.attempts == 1);
    CHECK(observed.stats.retries == 0);
    return;
  }
  INFO((outcome ? std::string() : outcome.error().ToString()));
  REQUIRE(outcome);
  const Response& response = *outcome;
  CHECK(response.model == kFaultyModel);
  CHECK(response.answer == "a healthy answer");
  REQUIRE(response.attempts.size() == 2);
  CheckFailedAttempt(response.attempts[0], effect);
  CHECK(response.attempts[1].model == kFaultyModel);
  CHECK(response.attempts[1].outcome == Attempt::Outcome::kSucceeded);
  CHECK(observed.faulty_requests == ReachedPerFailure(cell) + 1);
  CHECK(observed.stats.retries == 1);
  if (effect.retry_after) {
    // Retry-After honoured: the retry was not sent before it (the attempts' own clocks).
    CHECK(response.attempts[1].started_after - response.attempts[0].started_after >=
          *effect.retry_after);
  }
}

void CheckFallback(const Cell& cell, const Observation& observed) {
  const Effect& effect = cell.effect();
  const auto& outcome = *observed.outcome;
  CHECK(observed.faulty_requests == ReachedPerFailure(cell));
  CHECK(observed.stats.retries == 0);
  if (effect.committed) {
    // After the commit point the stream belongs to the faulty model: no fallback.
    REQUIRE_FALSE(outcome);
    CheckError(outcome.error(), effect);
    CHECK(observed.backup_requests == 0);
    return;
  }
  INFO((outcome ? std::string() : outcome.error().ToString()));
  REQUIRE(outcome);
  const Response& response = *outcome;
  CHECK(response.model == kBackupModel);
  CHECK(response.answer == "a healthy answer");
  REQUIRE(response.attempts.size() == 2);
  CheckFailedAttempt(response.attempts[0], effect);
  CHECK(response.attempts[1].model == kBackupModel);
  CHECK(response.attempts[1].outcome == Attempt::Outcome::kSucceeded);
  CHECK(observed.backup_requests == 1);
}

void CheckShortDeadline(const Cell& cell, const Observation& observed) {
  // The retry could not start before the deadline: the 429 at once, with its Retry-After.
  REQUIRE_FALSE(*observed.outcome);
  CheckError(observed.outcome->error(), cell.effect());
  CHECK(observed.faulty_requests == 1);
  CHECK(observed.stats.retries == 0);
}

struct Run {
  Cell cell;
  Check check;
  std::future<Observation> observed;
};

// Runs every applicable (protocol, mode, check) of `fault` at once, then asserts each.
void RunFault(const Fault& fault) {
  std::vector<Check> checks = {Check::kNoRetry, Check::kRetry, Check::kFallback};
  for (Mode mode : prsm::testing::faults::kModes) {
    if (fault.effect(mode) && fault.effect(mode)->retry_after) {
      checks.push_back(Check::kShortDeadline);
      break;
    }
  }
  std::vector<Run> runs;
  for (auto protocol : prsm::testing::faults::kProtocols) {
    for (Mode mode : prsm::testing::faults::kModes) {
      if (!fault.effect(mode)) continue;
      for (Check check : checks) {
        Cell cell{&fault, protocol, mode};
        runs.push_back(Run{cell, check, std::async(std::launch::async, [cell, check] {
                             return prsm::testing::faults::Run(cell, check);
                           })});
      }
    }
  }
  for (Run& run : runs) {
    const Observation observed = run.observed.get();
    std::ostringstream where;
    where << fault.name << " | " << ToString(run.cell.protocol) << " | " << ToString(run.cell.mode)
          << " | " << ToString(run.check);
    INFO(where.str());
    INFO("outcome: " << (observed.outcome && !*observed.outcome
                             ? observed.outcome->error().ToString()
                             : std::string("a response")));
    INFO("set-up: " << observed.setup_error);
    REQUIRE(observed.setup_error.empty());
    REQUIRE(observed.completed);
    CheckCallbacks(run.cell, observed);
    switch (run.check) {
      case Check::kNoRetry:
        CheckNoRetry(run.cell, observed);
        break;
      case Check::kRetry:
        CheckRetry(run.cell, observed);
        break;
      case Check::kFallback:
        CheckFallback(run.cell, observed);
        break;
      case Check::kShortDeadline:
        CheckShortDeadline(run.cell, observed);
        break;
    }
  }
}

}  // namespace

#define PRSM_FAULT_CASE(name) \
  TEST_CASE("fault: " name, "[faults]") { RunFault(prsm::testing::faults::FindFault(name)); }

PRSM_FAULT_CASE("connection refused")
PRSM_FAULT_CASE("reset before headers")
PRSM_FAULT_CASE("reset mid-body")
PRSM_FAULT_CASE("reset mid-stream")
PRSM_FAULT_CASE("stall before headers")
PRSM_FAULT_CASE("stall mid-stream")
PRSM_FAULT_CASE("429 with Retry-After")
PRSM_FAULT_CASE("429 without Retry-After")
PRSM_FAULT_CASE("500")
PRSM_FAULT_CASE("502")
PRSM_FAULT_CASE("503")
PRSM_FAULT_CASE("529")
PRSM_FAULT_CASE("200 with a malformed body")
PRSM_FAULT_CASE("truncated body")
PRSM_FAULT_CASE("body over the size cap")
PRSM_FAULT_CASE("wrong content type")
PRSM_FAULT_CASE("slow trickle")
PRSM_FAULT_CASE("DNS failure")

TEST_CASE("the matrix covers every fault of the table", "[faults]") {
  // Guards against a row added to fault_cases.cpp without a TEST_CASE above.
  CHECK(prsm::testing::faults::Faults().size() == 18);
}
