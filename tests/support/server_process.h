// A server program run as a child process for tests and benchmarks: started from `argv`
// (looked up in PATH), ready once it prints "listening on 127.0.0.1:<port>" on its standard
// output, stopped by its PID (SIGTERM, then waited for) when this object is destroyed.
//
// Thread safety: none needed; create and destroy it on one thread.
#ifndef PRSM_TESTS_SUPPORT_SERVER_PROCESS_H_
#define PRSM_TESTS_SUPPORT_SERVER_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace prsm::testing {

class ServerProcess {
 public:
  /// Starts `argv` and waits up to `limit` for its listening line. Check ok() afterwards.
  explicit ServerProcess(std::vector<std::string> argv,
                         std::chrono::milliseconds limit = std::chrono::seconds(20));
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  bool ok() const { return port_ != 0; }
  /// Why it is not ok: could not start, exited, or printed something else.
  const std::string& error() const { return error_; }
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string error_;
};

}  // namespace prsm::testing

#endif  // PRSM_TESTS_SUPPORT_SERVER_PROCESS_H_
