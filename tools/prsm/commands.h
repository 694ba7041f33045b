// prsm CLI: the commands. Each takes the global options and its own arguments (everything after
// the command name), prints to stdout/stderr, and returns the process exit code (cli_args.h):
// 0 ok, 1 the query/probe failed, 2 usage or configuration error, 130 interrupted.
//
// Thread safety: called once, from main(). Errors: reported on stderr as "prsm <command>: ...".
#ifndef PRSM_CLI_COMMANDS_H_
#define PRSM_CLI_COMMANDS_H_

#include <string>
#include <vector>

#include "cli_args.h"
#include "config_source.h"

namespace prsm_cli {

int RunAsk(const GlobalOptions& global, const std::vector<std::string>& args);
int RunBatch(const GlobalOptions& global, const std::vector<std::string>& args);
int RunModels(const GlobalOptions& global, const std::vector<std::string>& args);
int RunCheck(const GlobalOptions& global, const std::vector<std::string>& args);

/// Parses a command's arguments (its specs plus --config and --help) into `parsed`, taking
/// --config into `global`. Returns -1 to go on, else the exit code to return at once (after
/// printing `usage` for --help, or the error and a hint for bad usage).
int ParseCommandArgs(const char* command, const char* usage, std::vector<OptionSpec> specs,
                     const std::vector<std::string>& args, GlobalOptions* global,
                     ParsedArgs* parsed);

/// Prints "prsm <command>: <message>" on stderr and returns kExitUsage.
int UsageError(const char* command, const std::string& message);

}  // namespace prsm_cli

#endif  // PRSM_CLI_COMMANDS_H_
