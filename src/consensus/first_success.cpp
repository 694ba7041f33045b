// "First success wins": the plain fan-out and fallback rule. It trusts any answer that
// arrived intact, which is what a gateway's fallback list does; the voting rules compare.
#include <fmt/format.h>

#include "prsm/consensus.h"

namespace prsm {

ConsensusRule::~ConsensusRule() = default;

EscalationHandler::~EscalationHandler() = default;

namespace {

class FirstSuccessRule final : public ConsensusRule {
 public:
  std::string_view name() const noexcept override { return "first-success"; }

  bool IsDecided(const std::vector<Candidate>& so_far, std::size_t /*expected*/) const override {
    return !so_far.empty() && so_far.back().result.has_value();
  }

  Decision Decide(const std::vector<Candidate>& candidates) const override {
    Decision decision;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (!candidates[i].result) continue;
      decision.accepted = true;
      decision.chosen = i;
      decision.supporters = {i};
      // Nothing was compared: the answer stands alone, so it agrees only with itself.
      decision.agreement = 1.0;
      decision.confidence = 1.0;
      decision.explanation = fmt::format(
          "the first successful answer, from '{}' ({} of {} "
          "answers in)",
          candidates[i].model, i + 1, candidates.size());
      return decision;
    }
    decision.explanation = fmt::format("all {} attempts failed", candidates.size());
    return decision;
  }
};

}  // namespace

std::unique_ptr<ConsensusRule> MakeFirstSuccessRule() {
  return std::make_unique<FirstSuccessRule>();
}

}  // namespace prsm
