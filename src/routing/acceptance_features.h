// routing/acceptance_features.h — cheap, generic features of one answer (and of its query) that
// predict whether a cheap model's answer can be trusted without asking a stronger one: is there
// an extractable answer, an explicit final-answer marker, how long is it, was it cut off, does
// it hedge, for maths do the arithmetic claims it makes ("3 * 60 = 180") hold, and how much
// did the answer cost the model: its output and reasoning tokens, absolute and relative to what
// the model typically spends (a model that thought far longer than usual often struggled).
//
// Thread safety: stateless functions. Never fail: malformed text only yields other features.
#ifndef PRSM_ROUTING_ACCEPTANCE_FEATURES_H_
#define PRSM_ROUTING_ACCEPTANCE_FEATURES_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "prsm/consensus.h"
#include "prsm/routing.h"

namespace prsm::routing {

/// The arithmetic claims "a op b (op c ...) = d" in a text, with + - * / x × ÷ \times \cdot
/// \div between plain numbers, and how many of them are false.
struct ArithmeticClaims {
  std::size_t checked = 0;
  std::size_t wrong = 0;
};
ArithmeticClaims CheckArithmetic(std::string_view text);

/// Occurrences of hedging phrases ("I think", "not sure", "approximately", ...).
std::size_t CountHedges(std::string_view text);

/// Whether the text states its final answer explicitly ("Answer: B", "\boxed{..}", "#### 42",
/// "the answer is").
bool HasFinalAnswerMarker(std::string_view text);

/// What an answer cost the model beyond its visible text, from the usage it reported.
struct AnswerEffort {
  std::int64_t output_tokens = 0;     ///< Reasoning included; 0 = not reported.
  std::int64_t reasoning_tokens = 0;  ///< 0 = none, or not reported.
  /// log(1 + output_tokens) against the model's typical (TokenNorms::Relative), in standard
  /// deviations; 0 = typical, or not known yet.
  double relative = 0.0;
};

/// The feature vector, [0] being the constant 1. Its layout is part of the cascade's saved
/// state (a new layout needs a new state version).
inline constexpr std::size_t kAcceptanceFeatureCount = 27;
using AcceptanceFeatures = std::array<double, kAcceptanceFeatureCount>;

/// Features of answer `text` to a query with `query` features; `truncated` when the model
/// stopped at its token limit; `effort` what it cost the model. `format` says what "the answer"
/// is.
AcceptanceFeatures ComputeAcceptanceFeatures(std::string_view text, bool truncated,
                                             const AnswerEffort& effort, const QueryFeatures& query,
                                             const AnswerFormat& format);

}  // namespace prsm::routing

#endif  // PRSM_ROUTING_ACCEPTANCE_FEATURES_H_
