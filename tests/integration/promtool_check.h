// Validates Prometheus text with the real parser and linter: `promtool check metrics` from
// Debian's prometheus package (scripts/install-deps installs it). Call from a test's thread.
#ifndef PRSM_TESTS_INTEGRATION_PROMTOOL_CHECK_H_
#define PRSM_TESTS_INTEGRATION_PROMTOOL_CHECK_H_

#include <string>

namespace prsm::testing {

struct PromtoolResult {
  /// promtool's exit status: 0 valid, 1 parse error, 3 lint problems; -1 when it could not run
  /// (not installed: run scripts/install-deps).
  int status = -1;
  std::string output;  ///< What it printed (stdout and stderr): the problems found.
};

/// Feeds `text` to `promtool check metrics` on its standard input.
PromtoolResult PromtoolCheckMetrics(const std::string& text);

}  // namespace prsm::testing

#endif  // PRSM_TESTS_INTEGRATION_PROMTOOL_CHECK_H_
