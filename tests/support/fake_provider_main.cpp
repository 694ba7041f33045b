// prsm-fake-provider — the fake vendor server as a program, for the demo, benchmarks and
// manual testing.
//
//   prsm-fake-provider [--port N] [--script FILE.json] [--port-file FILE]
//
// Listens on 127.0.0.1 (port 0 = ephemeral), prints "listening on 127.0.0.1:<port>" once
// ready, optionally writes the port to FILE (atomically: temp file + rename), and serves until
// SIGTERM or SIGINT, then exits 0. Bad arguments or script: message on stderr, exit 2. Other
// start-up failures (port in use, ...): exit 1.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>

#include "fake_provider_server.h"

namespace {

using prsm::testing::FakeProviderOptions;
using prsm::testing::FakeProviderServer;
using prsm::testing::ModelScript;

constexpr int kExitUsage = 2;
constexpr int kExitFailure = 1;

constexpr const char* kUsage =
    "usage: prsm-fake-provider [--port N] [--script FILE.json] [--port-file FILE]\n"
    "\n"
    "A fake LLM vendor on 127.0.0.1, for tests and benchmarks. It speaks OpenAI\n"
    "(/v1/chat/completions), Azure OpenAI (/openai/deployments/D/chat/completions),\n"
    "Anthropic (/v1/messages), Gemini (/v1beta/models/M:generateContent and\n"
    ":streamGenerateContent) and Ollama (/api/chat), streaming included.\n"
    "\n"
    "  --port N          port to listen on (default 0: pick a free one)\n"
    "  --script FILE     JSON script: {\"default\": {...}, \"models\": {\"name\": {...}}}\n"
    "                    script keys: latency_ms status retry_after text tool_calls\n"
    "                    prompt_tokens completion_tokens cached_tokens reasoning_tokens\n"
    "                    finish_reason body (normal|truncated|malformed|huge|empty|reset|error|\n"
    "                    reset_mid_body|html) huge_bytes content_type trickle_pieces\n"
    "                    trickle_delay_ms error_type error_message error_code\n"
    "                    streams: chunks chunk_latency_ms stall_before_first_token_ms\n"
    "                    stall_after_first_token_ms reset_after_chunks truncate_after_chunks\n"
    "  --port-file FILE  write the port number to FILE once listening\n"
    "  --help            show this help\n"
    "\n"
    "Prints \"listening on 127.0.0.1:<port>\" when ready; stops on SIGTERM or SIGINT.\n";

struct Args {
  std::uint16_t port = 0;
  std::string script_path;
  std::string port_file;
  bool help = false;
};

int UsageError(const std::string& message) {
  std::fprintf(stderr, "prsm-fake-provider: %s\n(try --help)\n", message.c_str());
  return kExitUsage;
}

bool ParsePort(std::string_view text, std::uint16_t* port) {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return false;
  *port = static_cast<std::uint16_t>(value);
  return true;
}

// Accepts "--name value" and "--name=value". Returns std::nullopt on success, else a message.
std::optional<std::string> ParseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      args->help = true;
      continue;
    }
    std::string_view name = arg;
    std::optional<std::string_view> value;
    if (const std::size_t eq = arg.find('=');
        arg.rfind("--", 0) == 0 && eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    if (name != "--port" && name != "--script" && name != "--port-file") {
      return "unknown argument '" + std::string(arg) + "'";
    }
    if (!value) {
      if (i + 1 >= argc) return std::string(name) + " needs a value";
      value = argv[++i];
    }
    if (name == "--port") {
      if (!ParsePort(*value, &args->port)) {
        return "--port: expected a number from 0 to 65535, got '" + std::string(*value) + "'";
      }
    } else if (value->empty()) {
      return std::string(name) + " needs a non-empty value";
    } else if (name == "--script") {
      args->script_path = std::string(*value);
    } else {
      args->port_file = std::string(*value);
    }
  }
  return std::nullopt;
}

bool ReadFile(const std::string& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *text = buffer.str();
  return !in.bad();
}

// Writes "<port>\n" to a temporary name beside `path`, then renames it into place: rename() is
// atomic, so a reader polling for the file never sees it empty or half-written.
bool WritePortFile(const std::string& path, std::uint16_t port, std::string* error) {
  const std::string temp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(temp, std::ios::trunc);
    out << port << '\n';
    out.flush();
    if (!out) {
      *error = "cannot write " + temp;
      std::remove(temp.c_str());
      return false;
    }
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    *error =
        "cannot rename " + temp + " to " + path + ": " + std::generic_category().message(errno);
    std::remove(temp.c_str());
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // Writes to a client that went away must fail with EPIPE, not kill the process. (The server
  // uses MSG_NOSIGNAL; this also covers stdout being a closed pipe.)
  signal(SIGPIPE, SIG_IGN);

  Args args;
  if (const auto message = ParseArgs(argc, argv, &args)) return UsageError(*message);
  if (args.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }

  ModelScript default_script;
  std::map<std::string, ModelScript> models;
  if (!args.script_path.empty()) {
    std::string text;
    if (!ReadFile(args.script_path, &text)) {
      return UsageError("cannot read script file '" + args.script_path + "'");
    }
    std::string error;
    if (!prsm::testing::LoadScriptFile(text, &default_script, &models, &error)) {
      return UsageError(args.script_path + ": " + error);
    }
  }

  // Block the stop signals before the server thread exists, so it inherits the mask and the
  // signals are only ever consumed by sigwait() below: no handler, no async-signal-safety
  // concerns.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  FakeProviderOptions options;
  options.port = args.port;
  std::string error;
  std::unique_ptr<FakeProviderServer> server = FakeProviderServer::Start(options, &error);
  if (!server) {
    std::fprintf(stderr, "prsm-fake-provider: %s\n", error.c_str());
    return kExitFailure;
  }
  server->SetDefaultScript(default_script);
  for (auto& [model, script] : models) server->SetScript(model, std::move(script));

  if (!args.port_file.empty() && !WritePortFile(args.port_file, server->port(), &error)) {
    std::fprintf(stderr, "prsm-fake-provider: %s\n", error.c_str());
    return kExitFailure;
  }
  std::printf("listening on 127.0.0.1:%u\n", static_cast<unsigned>(server->port()));
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);  // Fails only for an invalid set.
  server->Stop();
  return 0;
}
