// fault_runner.h — runs one cell of the fault matrix (a fault, a protocol, a call mode) under
// one check, against real loopback servers, and records what happened: the outcome, every
// callback call and stream event, the requests each server saw, the orchestrator's counters.
//
// Each run has its own fake provider server and its own orchestrator (so circuit breakers,
// Retry-After notes and statistics never leak between cases), both destroyed before Run()
// returns; the callback counts are read after the orchestrator's destruction has joined its
// loop, so a late second callback would be counted. No Catch2 here: Run() may be called from
// any thread, concurrently with other runs, and reports set-up problems in
// Observation::setup_error instead of asserting.
#ifndef PRSM_TESTS_FAULTS_FAULT_RUNNER_H_
#define PRSM_TESTS_FAULTS_FAULT_RUNNER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fault_cases.h"
#include "prsm/prsm.h"

namespace prsm::testing::faults {

/// The faulty model (on the provider "faulty") and the healthy one (on "healthy"), both
/// speaking the cell's protocol; "backup" is registered second.
inline constexpr const char* kFaultyModel = "flaky";
inline constexpr const char* kBackupModel = "backup";

/// What a run checks.
enum class Check : std::uint8_t {
  /// (a) QueryContext::retry with max_retries 0, single-model routing without fallback.
  kNoRetry,
  /// (b) Retries with a tiny backoff (1 ms, at most 5 ms, 2 retries); the fault is scripted
  /// for the faulty model's first request only (FakeProviderServer::SetScriptSequence). For a
  /// refused connection, a server starts on the refusing port when prsm logs the retry.
  kRetry,
  /// (c) Single-model routing with fallback to "backup", no retries; the fault on every request.
  kFallback,
  /// (d) Retries on, the request's deadline (1.5 s) shorter than the server's Retry-After.
  kShortDeadline,
};
std::string_view ToString(Check check);

/// One (fault, protocol, mode) combination.
struct Cell {
  const Fault* fault = nullptr;
  Protocol protocol = Protocol::kOpenAI;
  Mode mode = Mode::kPlain;
  const Effect& effect() const { return *fault->effect(mode); }
};

/// What one run observed.
struct Observation {
  std::string setup_error;  ///< Non-empty: the run could not be set up (servers, providers).
  bool completed = false;   ///< on_done ran before the guard deadline (30 s).
  int done_calls = 0;       ///< on_done calls, counted after the orchestrator was destroyed.
  int events_after_done = 0;
  std::vector<StreamEvent> events;  ///< Every on_event call, in order.
  std::optional<Result<Response>> outcome;
  std::uint64_t faulty_requests = 0;  ///< Requests for the faulty model that reached a server.
  std::uint64_t backup_requests = 0;
  OrchestratorStats stats;  ///< Read once on_done had run.
};

/// Runs `cell` under `check`. Thread-safe; blocks until the run is over.
Observation Run(const Cell& cell, Check check);

}  // namespace prsm::testing::faults

#endif  // PRSM_TESTS_FAULTS_FAULT_RUNNER_H_
