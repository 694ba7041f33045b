// prsm — the command-line tool over a prsm configuration file (docs/CLI.md).
//
//   prsm [--config FILE] <command> [options]
//   commands: ask, batch, models, check; prsm <command> --help for each
//
// The configuration file is --config FILE, else $PRSM_CONFIG, else ./prsm.json (prsm/config.h,
// docs/CONFIG.md). Exit status: 0 ok, 1 the query/probe failed, 2 usage or configuration error,
// 130 interrupted.
#include <signal.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli_args.h"
#include "commands.h"
#include "config_source.h"
#include "prsm/version.h"

namespace {

constexpr const char* kUsage =
    "usage: prsm [--config FILE] <command> [options]\n"
    "\n"
    "Multi-LLM orchestration from the command line: routing, consensus and cost accounting\n"
    "over the models a configuration file describes.\n"
    "\n"
    "Commands:\n"
    "  ask QUESTION          ask one question, print the answer (--explain: how it was\n"
    "                        routed, every attempt, the consensus, the cost)\n"
    "  batch IN OUT          answer a JSON-lines file of queries into a JSON-lines file,\n"
    "                        resumable, with a progress bar\n"
    "  models                list the configured models and their prices\n"
    "  check                 validate the configuration and probe each provider once\n"
    "\n"
    "Options:\n"
    "  --config FILE         configuration file (default: $PRSM_CONFIG, else ./prsm.json)\n"
    "  --help, -h            this text; `prsm <command> --help` for a command's\n"
    "  --version             the version\n"
    "\n"
    "Exit status: 0 ok, 1 the query or a probe failed, 2 usage or configuration error,\n"
    "130 interrupted. Documentation: docs/CLI.md.\n";

}  // namespace

int main(int argc, char** argv) {
  // A closed stdout (prsm ... | head) must end with a write error, not kill the process.
  signal(SIGPIPE, SIG_IGN);

  prsm_cli::GlobalOptions global;
  std::vector<std::string> args(argv + 1, argv + argc);
  std::size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      fmt::print("{}", kUsage);
      return prsm_cli::kExitOk;
    }
    if (arg == "--version") {
      fmt::print("prsm {}\n", PRSM_VERSION_STRING);
      return prsm_cli::kExitOk;
    }
    if (arg == "--config" || arg.rfind("--config=", 0) == 0) {
      if (arg == "--config") {
        if (i + 1 >= args.size()) {
          fmt::print(stderr, "prsm: --config needs a file name\n(see: prsm --help)\n");
          return prsm_cli::kExitUsage;
        }
        global.config_path = args[++i];
      } else {
        global.config_path = arg.substr(9);
      }
      continue;
    }
    if (!arg.empty() && arg[0] == '-') {
      fmt::print(stderr, "prsm: unknown option '{}' before the command\n(see: prsm --help)\n", arg);
      return prsm_cli::kExitUsage;
    }
    break;
  }
  if (i >= args.size()) {
    fmt::print(stderr, "prsm: missing the command (ask, batch, models, check)\n\n{}", kUsage);
    return prsm_cli::kExitUsage;
  }
  const std::string command = args[i];
  const std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                      args.end());
  if (command == "ask") return prsm_cli::RunAsk(global, rest);
  if (command == "batch") return prsm_cli::RunBatch(global, rest);
  if (command == "models") return prsm_cli::RunModels(global, rest);
  if (command == "check") return prsm_cli::RunCheck(global, rest);
  if (command == "help") {
    fmt::print("{}", kUsage);
    return prsm_cli::kExitOk;
  }
  fmt::print(stderr, "prsm: unknown command '{}' (ask, batch, models, check)\n(see: prsm --help)\n",
             command);
  return prsm_cli::kExitUsage;
}
