// Helpers of the `prsm` CLI tests: a scratch directory, files, running the real `prsm` binary
// (PRSM_CLI_EXE) as a child process with its output captured in files, and a configuration
// file pointing at the fake provider server. Call from a test's thread; helpers that can fail
// REQUIRE, so only inside a running test case.
#ifndef PRSM_TESTS_CLI_CLI_TEST_UTIL_H_
#define PRSM_TESTS_CLI_CLI_TEST_UTIL_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace prsm_cli_test {

/// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& text);
void AppendFile(const std::string& path, const std::string& text);
std::string ReadFile(const std::string& path);
/// Complete lines ('\n'-terminated) of `text`; a torn tail is not a line.
std::vector<std::string> CompleteLines(const std::string& text);

/// A running `prsm` with stdout and stderr going to files in `dir`. The environment is this
/// process's, without PRSM_CONFIG, plus `env` ("NAME=value").
class PrsmProcess {
 public:
  PrsmProcess(const std::vector<std::string>& args, const TempDir& dir,
              const std::vector<std::string>& env = {});
  ~PrsmProcess();  // kills (SIGKILL) and reaps it if still running
  PrsmProcess(const PrsmProcess&) = delete;
  PrsmProcess& operator=(const PrsmProcess&) = delete;

  pid_t pid() const { return pid_; }
  /// Waits for the exit: the exit status, or 128 + signal when killed by one.
  int Wait();
  bool running() const { return pid_ > 0 && !reaped_; }
  std::string out() const { return ReadFile(out_path_); }
  std::string err() const { return ReadFile(err_path_); }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = -1;
  std::string out_path_;
  std::string err_path_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs `prsm args...` to completion.
RunResult RunPrsm(const std::vector<std::string>& args, const TempDir& dir,
                  const std::vector<std::string>& env = {});

/// The environment variable the test configurations read the fake provider's key from.
constexpr const char* kKeyEnv = "PRSM_CLI_TEST_KEY=test-key";

/// A configuration with provider "fake" (openai-compatible, the fake server at `port`) serving
/// `models` (each priced $1 in / $2 out per million tokens), and, when `down_port` is set, a
/// provider "down" (ollama at a port nothing listens on) serving model "offline".
std::string FakeConfig(std::uint16_t port, const std::vector<std::string>& models,
                       std::uint16_t down_port = 0);

}  // namespace prsm_cli_test

#endif  // PRSM_TESTS_CLI_CLI_TEST_UTIL_H_
