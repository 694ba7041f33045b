// What every command shares: option parsing with --config and --help; see commands.h.
#include <fmt/format.h>

#include "commands.h"

namespace prsm_cli {

int UsageError(const char* command, const std::string& message) {
  fmt::print(stderr, "prsm {}: {}\n(see: prsm {} --help)\n", command, message, command);
  return kExitUsage;
}

int ParseCommandArgs(const char* command, const char* usage, std::vector<OptionSpec> specs,
                     const std::vector<std::string>& args, GlobalOptions* global,
                     ParsedArgs* parsed) {
  specs.push_back({"--config", true});
  specs.push_back({"--help", false});
  if (auto error = ParseArgs(args, specs, parsed)) return UsageError(command, *error);
  if (parsed->Has("--help")) {
    fmt::print("{}", usage);
    return kExitOk;
  }
  if (auto config = parsed->Last("--config")) {
    if (config->empty()) return UsageError(command, "--config needs a file name");
    global->config_path = *config;
  }
  return -1;
}

}  // namespace prsm_cli
