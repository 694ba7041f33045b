// routing/acceptance_features.h — cheap, generic features of one answer (and of its query) that
// predict whether a cheap model's answer can be trusted without asking a stronger one: is there
// an extractable answer, an explicit final-answer marker, how long is it, was it cut off, does
// it hedge, and, for maths, do the arithmetic claims it makes ("3 * 60 = 180") hold.
//
// Thread safety: stateless functions. Never fail: malformed text only yields other features.
#ifndef PRSM_ROUTING_ACCEPTANCE_FEATURES_H_
#define PRSM_ROUTING_ACCEPTANCE_FEATURES_H_

#include <array>
#include <cstddef>
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

/// The feature vector, [0] being the constant 1. Its layout is part of the cascade's saved
/// state (a new layout needs a new state version).
inline constexpr std::size_t kAcceptanceFeatureCount = 24;
using AcceptanceFeatures = std::array<double, kAcceptanceFeatureCount>;

/// Features of answer `text` to a query with `query` features; `truncated` when the model
/// stopped at its token limit. `format` says what "the answer" is.
AcceptanceFeatures ComputeAcceptanceFeatures(std::string_view text, bool truncated,
                                             const QueryFeatures& query,
                                             const AnswerFormat& format);

}  // namespace prsm::routing

#endif  // PRSM_ROUTING_ACCEPTANCE_FEATURES_H_
