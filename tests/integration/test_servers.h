// Loopback helpers for integration tests: free ports, bounded waiting, and two servers the
// fake provider cannot play (a raw socket server with a body of unannounced length, and a
// TLS + HTTP/2 server run by Node). Every server binds 127.0.0.1 on an ephemeral port and is
// stopped by its owner (by PID for processes).
#ifndef PRSM_TESTS_INTEGRATION_TEST_SERVERS_H_
#define PRSM_TESTS_INTEGRATION_TEST_SERVERS_H_

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server_process.h"

namespace prsm::testing {

/// Runs a command (found on PATH) with its output discarded and waits for it: its exit status,
/// or -1 when it could not run or did not exit normally.
int RunQuietly(const std::vector<std::string>& argv);

/// A loopback port nothing listens on (bound, read, closed): connecting to it is refused.
std::uint16_t UnusedLoopbackPort();

/// Polls `condition` every millisecond until it holds or `limit` passes. Waits for an event,
/// never asserts a duration.
bool WaitUntil(const std::function<bool()>& condition,
               std::chrono::milliseconds limit = std::chrono::seconds(15));

/// A one-connection-at-a-time HTTP server on raw sockets.
class RawHttpServer {
 public:
  enum Behaviour {
    /// 200 with no Content-Length and "Connection: close", then bytes until the client
    /// hangs up (at most 256 MiB).
    kEndlessBodyNoLength,
  };
  explicit RawHttpServer(Behaviour behaviour);
  ~RawHttpServer();
  std::string base_url() const;

 private:
  void Serve();
  Behaviour behaviour_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::uint16_t port_ = 0;
  std::thread thread_;
};

/// `node h2_server.js` with a fresh self-signed certificate for 127.0.0.1.
class TlsH2Server {
 public:
  TlsH2Server();
  ~TlsH2Server();
  /// False when node or openssl is missing or the server did not come up; see why_not().
  bool started() const { return server_ && server_->ok(); }
  const std::string& why_not() const { return why_not_; }
  std::string base_url() const;
  /// The certificate, which is its own CA: pass it as the CA bundle to trust the server.
  const std::string& ca_file() const { return cert_file_; }

 private:
  std::string dir_;
  std::string cert_file_;
  std::string why_not_;
  std::unique_ptr<ServerProcess> server_;  // after dir_: stops before the files go
};

}  // namespace prsm::testing

#endif  // PRSM_TESTS_INTEGRATION_TEST_SERVERS_H_
