// Helpers of the CLI tests; see cli_test_util.h.
#include "cli_test_util.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>
#include <fmt/format.h>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, not in a header

namespace prsm_cli_test {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/prsm-cli-test-XXXXXX";
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  REQUIRE(out.good());
}

void AppendFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << text;
  out.flush();
  REQUIRE(out.good());
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> CompleteLines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

PrsmProcess::PrsmProcess(const std::vector<std::string>& args, const TempDir& dir,
                         const std::vector<std::string>& env) {
  static int counter = 0;
  ++counter;
  out_path_ = dir.File(fmt::format("prsm-{}.out", counter));
  err_path_ = dir.File(fmt::format("prsm-{}.err", counter));

  std::vector<std::string> argv_text = {PRSM_CLI_EXE};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<std::string> env_text;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, "PRSM_CONFIG=", 12) != 0) env_text.emplace_back(*entry);
  }
  env_text.insert(env_text.end(), env.begin(), env.end());
  std::vector<char*> argv_ptrs;
  for (std::string& arg : argv_text) argv_ptrs.push_back(arg.data());
  argv_ptrs.push_back(nullptr);
  std::vector<char*> env_ptrs;
  for (std::string& entry : env_text) env_ptrs.push_back(entry.data());
  env_ptrs.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  // The child starts with default signal dispositions, whatever the test runner set.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attributes, &empty);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  const int rc =
      posix_spawn(&pid_, argv_ptrs[0], &actions, &attributes, argv_ptrs.data(), env_ptrs.data());
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE(rc == 0);
}

PrsmProcess::~PrsmProcess() {
  if (running()) {
    kill(pid_, SIGKILL);
    Wait();
  }
}

int PrsmProcess::Wait() {
  if (!reaped_) {
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0) {
      if (errno != EINTR) return -1;
    }
    reaped_ = true;
    status_ = WIFEXITED(status)     ? WEXITSTATUS(status)
              : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                    : -1;
  }
  return status_;
}

RunResult RunPrsm(const std::vector<std::string>& args, const TempDir& dir,
                  const std::vector<std::string>& env) {
  PrsmProcess process(args, dir, env);
  RunResult result;
  result.exit_code = process.Wait();
  result.out = process.out();
  result.err = process.err();
  return result;
}

std::string FakeConfig(std::uint16_t port, const std::vector<std::string>& models,
                       std::uint16_t down_port) {
  std::string model_list;
  for (const std::string& model : models) {
    model_list += fmt::format(
        R"({}{{"name": "{}", "provider": "fake", "price": {{"input_per_mtok": 1, "output_per_mtok": 2}}, "context_window": 128000}})",
        model_list.empty() ? "" : ",\n    ", model);
  }
  std::string down_provider;
  if (down_port != 0) {
    down_provider = fmt::format(
        ",\n    \"down\": {{\"kind\": \"ollama\", \"base_url\": \"http://127.0.0.1:{}\"}}",
        down_port);
    model_list +=
        R"(,
    {"name": "offline", "provider": "down", "price": {"input_per_mtok": 0, "output_per_mtok": 0}})";
  }
  return fmt::format(R"({{
  "providers": {{
    "fake": {{"kind": "openai-compatible", "base_url": "http://127.0.0.1:{}/v1",
              "api_key_env": "PRSM_CLI_TEST_KEY"}}{}
  }},
  "models": [
    {}
  ]
}}
)",
                     port, down_provider, model_list);
}

}  // namespace prsm_cli_test
