// Runs prsm-fake-provider as a separate process for a benchmark, so the server's CPU is not
// counted as the client's. Bound to 127.0.0.1 on an ephemeral port; stopped by its PID.
#ifndef PRSM_BENCH_FAKE_PROCESS_H_
#define PRSM_BENCH_FAKE_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>

#include "server_process.h"

namespace prsm::bench {

class FakeProcess {
 public:
  /// Starts the server with `script_json` (the prsm-fake-provider script-file format).
  /// `executable` empty = the one built with this tree.
  explicit FakeProcess(const std::string& script_json, std::string executable = {});
  ~FakeProcess();
  FakeProcess(const FakeProcess&) = delete;
  FakeProcess& operator=(const FakeProcess&) = delete;

  bool ok() const { return server_ && server_->ok(); }
  const std::string& error() const { return server_ ? server_->error() : error_; }
  pid_t pid() const { return server_ ? server_->pid() : -1; }
  /// "http://127.0.0.1:<port>/v1"
  std::string base_url() const;

 private:
  std::string script_path_;
  std::string error_;
  std::unique_ptr<testing::ServerProcess> server_;  // after script_path_: stops before it goes
};

/// CPU time (user + system) this process has used so far, all threads included.
std::chrono::microseconds ProcessCpuTime();

/// Pins this process to CPU 0 and `server` to the last CPU, so client and server stop trading
/// cores mid-run (the largest source of noise on a 2-core machine). False if there is only one
/// CPU or the kernel refused; the benchmark then runs unpinned.
bool PinApart(const FakeProcess& server);

}  // namespace prsm::bench

#endif  // PRSM_BENCH_FAKE_PROCESS_H_
