// prsm-eval: the replay provider, an InProcessProvider that answers each call with what the
// real model returned for the query being evaluated.
//
// The harness evaluates one query at a time: it points the provider at the current record
// (SetRecord), submits the query, waits for the Response, then reads what was served (Served).
// A call to model M returns M's recorded outcome: the `response` text (or the extracted
// `answer` when the source kept no response), usage from the recorded tokens (thinking tokens
// as reasoning tokens, already inside output_tokens), finish reason stop. A model with no
// outcome for the query fails the call with kUnavailable, as an outage would. The k-th call of
// the same model within one query (k >= 1) returns the k-th stored sample when the data has
// samples, else the primary answer again (a deterministic model). The completion's `id` names
// the model and sample ("replay:<model index>:<sample>") so the harness can score exactly the
// answer that was chosen; strategies never see a score or the gold answer.
//
// Thread safety: Call() runs on the orchestrator's loop thread, SetRecord()/Served() on the
// harness thread between requests; a mutex orders them. Lifetime: the dataset must outlive it.
#ifndef PRSM_EVAL_REPLAY_PROVIDER_H_
#define PRSM_EVAL_REPLAY_PROVIDER_H_

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dataset.h"
#include "prsm/provider.h"

namespace prsm_eval {

/// One call the provider answered for the current record.
struct ServedCall {
  int model = 0;          ///< Index into Dataset::models.
  int sample = 0;         ///< 0 = the primary outcome, k = samples[k].
  double cost_usd = 0.0;  ///< The recorded cost of that call (0 when the data has none).
  double score = 0.0;     ///< For the harness only; never handed to the orchestrator.
};

class ReplayProvider final : public prsm::InProcessProvider {
 public:
  static constexpr std::string_view kId = "replay";

  explicit ReplayProvider(const Dataset& dataset) : dataset_(dataset) {}

  std::string_view id() const noexcept override { return kId; }
  void Call(const prsm::CompletionRequest& request, prsm::CompletionCallback done) override;

  /// Points the provider at `record` (null: every call fails) and forgets what was served.
  void SetRecord(const Record* record);
  /// The calls answered since SetRecord, in order.
  std::vector<ServedCall> Served() const;

  /// The ServedCall a completion id names, from the current record; nullopt when unknown.
  std::optional<ServedCall> FromCompletionId(std::string_view completion_id) const;

 private:
  const Dataset& dataset_;
  mutable std::mutex mutex_;
  const Record* record_ = nullptr;
  std::vector<int> calls_per_model_;
  std::vector<ServedCall> served_;
};

}  // namespace prsm_eval

#endif  // PRSM_EVAL_REPLAY_PROVIDER_H_
