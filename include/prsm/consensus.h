// prsm/consensus.h — deciding which answer to trust.
//
// After each attempt of a stage ends, the orchestrator asks the stage's `ConsensusRule` whether
// it can decide already (`IsDecided`); if so, the attempts still running are cancelled, which
// saves their tokens. When it can decide, or when every attempt has ended, `Decide` accepts one
// candidate (with agreement and confidence) or rejects them all, in which case the plan's next
// stage may run (see routing.h).
//
// Thread safety: called on the orchestrator's loop thread, one call at a time; both methods are
// const and must not block. A rule may be shared between orchestrators if it has no mutable
// state. Errors: a throwing rule fails the request with kInternal.
#ifndef PRSM_CONSENSUS_H_
#define PRSM_CONSENSUS_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "prsm/export.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm {

/// One attempt's outcome, as a rule sees it.
struct Candidate {
  std::string model;  ///< The registered model name.
  Result<Completion> result;
};

/// A rule's verdict.
struct Decision {
  bool accepted = false;
  std::size_t chosen = 0;   ///< Index into the candidates, when accepted.
  double agreement = 0.0;   ///< Share of successful candidates agreeing with the chosen one.
  double confidence = 0.0;  ///< The rule's confidence in the chosen answer, in [0, 1].
  std::vector<std::size_t> supporters;  ///< Candidates agreeing with the chosen one.
  std::string explanation;
};

/// The consensus plug-in interface. See the file comment for the threading contract.
class PRSM_EXPORT ConsensusRule {
 public:
  virtual ~ConsensusRule();

  /// A short name for reports ("first-success", "majority").
  virtual std::string_view name() const noexcept = 0;

  /// Called after each arrival with every candidate so far; `expected` is how many the stage
  /// will produce in all. True = decide now and cancel the rest. When every candidate has
  /// arrived, `Decide` is called whatever this returns.
  virtual bool IsDecided(const std::vector<Candidate>& so_far, std::size_t expected) const = 0;

  /// Accepts one candidate or rejects them all. Must only accept a successful candidate.
  virtual Decision Decide(const std::vector<Candidate>& candidates) const = 0;
};

/// Accepts the first successful answer as soon as it arrives, and cancels the rest.
PRSM_EXPORT std::unique_ptr<ConsensusRule> MakeFirstSuccessRule();

}  // namespace prsm

#endif  // PRSM_CONSENSUS_H_
