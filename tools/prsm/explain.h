// prsm CLI: `prsm ask --explain` — the route and why, each attempt (model, provider, stage,
// outcome or error, latency, tokens, cost), the consensus and why, and the totals, as text
// for people. Also the money and duration formats the other commands print.
//
// Thread safety: pure functions. Errors: none.
#ifndef PRSM_CLI_EXPLAIN_H_
#define PRSM_CLI_EXPLAIN_H_

#include <chrono>
#include <string>

#include "prsm/types.h"

namespace prsm_cli {

/// The explanation of `response`, several lines, each ending in '\n'.
std::string FormatExplain(const prsm::Response& response);

/// "$0", "$0.0042", "$1.25": enough digits to show three significant ones.
std::string FormatUsd(double usd);
/// "850 us", "12.3 ms", "4.56 s".
std::string FormatDuration(std::chrono::microseconds duration);

}  // namespace prsm_cli

#endif  // PRSM_CLI_EXPLAIN_H_
