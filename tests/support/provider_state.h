// provider_state.h — the fake's shared, mutable state: scripts, request counts, recordings.
//
// The loop thread reads scripts and updates counts; test threads set scripts and read counts.
// One mutex guards it all: a request holds it for a map lookup and a counter bump, far below
// the cost of the socket work around it, so contention is not a concern at benchmark rates.
#ifndef PRSM_TESTS_SUPPORT_PROVIDER_STATE_H_
#define PRSM_TESTS_SUPPORT_PROVIDER_STATE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fake_provider_server.h"

namespace prsm::testing::fake {

/// Thread-safe: every method may be called from any thread.
class ProviderState {
 public:
  explicit ProviderState(std::size_t max_recorded);

  void SetScript(const std::string& model, ModelScript script);
  /// The k-th request for `model` (from now, 0-based) is answered by scripts[k], and every
  /// request after the last by the last one. Replaces any script of `model`.
  void SetScriptSequence(const std::string& model, std::vector<ModelScript> scripts);
  void ClearScript(const std::string& model);
  void SetDefaultScript(ModelScript script);

  /// Whether recordings are kept at all (lets the caller skip building them).
  bool recording() const { return max_recorded_ > 0; }

  /// Counts one fully read request (for `model` too, when not empty), keeps `record` if
  /// recording, and returns the script to answer `model` with (never null). Scripts are shared
  /// immutable snapshots, so a concurrent SetScript never changes a response being built.
  std::shared_ptr<const ModelScript> Admit(const std::string& model, RecordedRequest record);

  std::uint64_t RequestCount(const std::string& model) const;
  std::uint64_t total_requests() const;
  std::vector<RecordedRequest> recorded_requests() const;
  /// Zeroes counts and forgets recordings; scripts stay.
  void ResetCounters();

 private:
  const std::size_t max_recorded_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const ModelScript>, std::less<>> scripts_;
  struct Sequence {
    std::vector<std::shared_ptr<const ModelScript>> scripts;
    std::size_t next = 0;
  };
  std::map<std::string, Sequence, std::less<>> sequences_;
  std::shared_ptr<const ModelScript> default_script_;
  std::map<std::string, std::uint64_t, std::less<>> counts_;
  std::uint64_t total_ = 0;
  std::deque<RecordedRequest> recorded_;
};

}  // namespace prsm::testing::fake

#endif  // PRSM_TESTS_SUPPORT_PROVIDER_STATE_H_
