// prsm CLI: command-line parsing shared by every command — options of the form `--name value`
// and `--name=value`, repeatable options, `--` to end options, durations ("250ms", "30s",
// "1.5m", "1h") and the exit codes.
//
// Thread safety: pure functions over values. Errors: a message for the user (returned, never
// thrown); the caller prints it and exits with kExitUsage.
#ifndef PRSM_CLI_CLI_ARGS_H_
#define PRSM_CLI_CLI_ARGS_H_

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace prsm_cli {

/// Exit codes of every command (docs/CLI.md).
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;         ///< The query, a probe or an output write failed.
constexpr int kExitUsage = 2;          ///< Bad usage, input or configuration.
constexpr int kExitInterrupted = 130;  ///< SIGINT or SIGTERM (128 + SIGINT, as shells report).

/// One option a command accepts.
struct OptionSpec {
  std::string_view name;  ///< With the dashes: "--model".
  bool takes_value = false;
};

/// What a command line holds once parsed: positional arguments and options in order.
struct ParsedArgs {
  std::vector<std::string> positionals;
  std::vector<std::pair<std::string, std::string>> options;  ///< (name, value or "").

  bool Has(std::string_view name) const;
  /// The value of the last occurrence, if any.
  std::optional<std::string> Last(std::string_view name) const;
  /// Every value, in order (repeatable options).
  std::vector<std::string> All(std::string_view name) const;
};

/// Parses `args` against `specs`. `-h` is taken as `--help` when `--help` is in `specs`. A
/// lone `--` makes every later argument positional. Returns an error message for an unknown
/// option, a missing value, or a value given to a flag.
std::optional<std::string> ParseArgs(const std::vector<std::string>& args,
                                     const std::vector<OptionSpec>& specs, ParsedArgs* out);

/// "250ms", "30s", "1.5m", "2h" (a positive decimal number and a unit) to milliseconds.
/// std::nullopt for anything else, for zero and for more than a year.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

/// A whole number in [min, max], std::nullopt otherwise.
std::optional<std::size_t> ParseCount(std::string_view text, std::size_t min, std::size_t max);

}  // namespace prsm_cli

#endif  // PRSM_CLI_CLI_ARGS_H_
