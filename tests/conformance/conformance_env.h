// conformance_env.h — where the conformance tests find the specs, the Node packages and Node,
// and what they do when one is missing.
//
// The specs live beside the checkout in ../shared (not ours to commit); the npm packages are
// installed into tests/conformance/node_modules by scripts/lib/common.sh. A user's clone has
// neither, so a missing prerequisite makes a test say so and stop without failing (ctest then
// reports it as skipped, see CMakeLists.txt), unless PRSM_REQUIRE_CONFORMANCE=1 asks for a
// failure instead (for CI, where everything must be there).
#ifndef PRSM_TESTS_CONFORMANCE_CONFORMANCE_ENV_H_
#define PRSM_TESTS_CONFORMANCE_CONFORMANCE_ENV_H_

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace prsm::conformance {

/// Printed by a test that stops for a missing prerequisite; ctest's SKIP_REGULAR_EXPRESSION.
inline constexpr std::string_view kSkipMarker = "[conformance skipped]";

/// $PRSM_SHARED_DIR, else the checkout's sibling directory `shared`.
std::string SharedDir();
/// `<shared>/specs/<relative>`.
std::string SpecPath(std::string_view relative);
/// tests/conformance in the source tree: the Node scripts and package.json.
std::string ConformanceDir();
/// A program installed by npm: tests/conformance/node_modules/.bin/<name>.
std::string NodeBin(std::string_view name);
/// Where the peers' logs go (in the build tree); created on first use.
std::string LogDir();

/// Checks that the specs (paths relative to `<shared>/specs`; none needed when empty), Node
/// and the npm packages are there. When one is missing, reports it (a WARN with kSkipMarker, or a
/// FAIL when PRSM_REQUIRE_CONFORMANCE=1) and returns false: the test should return at once.
bool Prerequisites(const std::vector<std::string>& specs);

/// Reports a part of a test that cannot run yet (e.g. a codec not written yet) the same way.
void SkipBecause(const std::string& reason);

/// Quotes `text` as a JSON string (for arguments handed to the Node scripts).
std::string JsonQuote(std::string_view text);

/// The API key the tests give prsm: it must never show up in an error or a log line.
inline constexpr const char* kCanaryKey = "sk-conformance-CANARY-5f1d0c9e";

/// Time limit for one Node script run.
inline constexpr std::chrono::seconds kScriptLimit{60};

}  // namespace prsm::conformance

#endif  // PRSM_TESTS_CONFORMANCE_CONFORMANCE_ENV_H_
