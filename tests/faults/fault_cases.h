// fault_cases.h — the rows of the fault-injection matrix: each fault, how the fake provider (or
// the network) produces it for a plain and for a streamed call, and the exact outcome prsm must
// report (typed error, HTTP status, Retry-After, whether a retry policy retries it, whether a
// stream fails after its commit point).
//
// The table is data only: fault_runner runs a row against one protocol and one call mode, and
// fault_matrix_test asserts the observations against the row. Thread safety: the table is
// built once (a function-local static) and read-only afterwards, so any thread may read it.
#ifndef PRSM_TESTS_FAULTS_FAULT_CASES_H_
#define PRSM_TESTS_FAULTS_FAULT_CASES_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "fake_provider_server.h"
#include "prsm/prsm.h"

namespace prsm::testing::faults {

/// The wire protocols the fake provider speaks.
enum class Protocol : std::uint8_t { kOpenAI, kAzure, kAnthropic, kGemini, kOllama };
inline constexpr Protocol kProtocols[] = {Protocol::kOpenAI, Protocol::kAzure, Protocol::kAnthropic,
                                          Protocol::kGemini, Protocol::kOllama};
std::string_view ToString(Protocol protocol);

/// How the call is made: MultiLLMOrchestrator::Submit or ::Stream.
enum class Mode : std::uint8_t { kPlain, kStream };
inline constexpr Mode kModes[] = {Mode::kPlain, Mode::kStream};
std::string_view ToString(Mode mode);

/// How the faulty model is reached.
enum class Transport : std::uint8_t {
  kServer,   ///< The fake provider, answering with the fault's script.
  kRefused,  ///< A loopback port bound but not listening: every connection is refused.
  /// A host under `.invalid` (RFC 6761) whose first label is 70 characters, over DNS's 63:
  /// the system resolver refuses it at once without asking a name server, so the failure does
  /// not depend on the network (a name server that drops queries would make it a timeout).
  kDns,
};

/// What one fault does to one kind of call, and what prsm must make of it.
struct Effect {
  /// The faulty model's script (Transport::kServer only).
  ModelScript script;
  ErrorCode code = ErrorCode::kOk;
  std::optional<int> http_status;
  std::optional<std::chrono::milliseconds> retry_after;
  /// The default retryable codes include it: a retry policy retries it.
  bool retryable = false;
  /// Streams only: the failure comes after the first content (the commit point), so it is a
  /// kError event, never hidden by a retry or a fallback.
  bool committed = false;
};

/// One row of the matrix.
struct Fault {
  std::string_view name;
  Transport transport = Transport::kServer;
  /// nullopt: the fault has no form for that mode (a plain body has no stream to stall).
  std::optional<Effect> plain;
  std::optional<Effect> stream;

  const std::optional<Effect>& effect(Mode mode) const {
    return mode == Mode::kPlain ? plain : stream;
  }
};

/// The deadlines and size cap every case runs with; the stall, trickle and size faults are
/// built against them. Seconds, not tens of milliseconds: a healthy loopback answer must never
/// hit them, even under a sanitizer with 30 runs at once on a loaded 2-core machine (at 200 ms
/// ASan runs saw a 429 arrive after the stream idle timeout). The runs of one fault are
/// concurrent, so a stall costs about one attempt timeout per fault.
struct Limits {
  static constexpr std::chrono::milliseconds kAttemptTimeout{2000};
  static constexpr std::chrono::milliseconds kFirstTokenTimeout{2000};
  static constexpr std::chrono::milliseconds kStreamIdleTimeout{1000};
  static constexpr std::size_t kMaxResponseBytes = std::size_t{64} << 10;
};

/// The healthy answer (the retry's and the fallback's): "a healthy answer", one chunk a word.
ModelScript HealthyScript();

/// Every fault of the matrix, in the order of issue 5.
const std::vector<Fault>& Faults();

/// The row named `name`; aborts the program if there is none (a typo in a test).
const Fault& FindFault(std::string_view name);

}  // namespace prsm::testing::faults

#endif  // PRSM_TESTS_FAULTS_FAULT_CASES_H_
