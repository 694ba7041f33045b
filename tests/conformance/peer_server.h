// peer_server.h — a third-party HTTP server (Prism, mock-llm) run for the duration of a test.
//
// The server is started on 127.0.0.1 and a free ephemeral port (bind port 0, read it back,
// close, hand it to the server: those programs take a port, not a listening socket), with its
// output in a log file. It is ready once it has printed its own "listening" line and the port
// accepts connections; if it exits first (another process took the port in between), it is
// started again on a new port. It is stopped by its process group id when this object dies,
// and its log (in the build tree) deleted then, unless PRSM_CONFORMANCE_KEEP_LOGS=1; the log
// of a server that failed to start is kept and quoted in the error.
//
// Thread safety: none needed; create and destroy it on one thread.
#ifndef PRSM_TESTS_CONFORMANCE_PEER_SERVER_H_
#define PRSM_TESTS_CONFORMANCE_PEER_SERVER_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace prsm::conformance {

struct PeerOptions {
  std::string name;  ///< For messages and the log file's name.
  /// The command; every "{port}" is replaced by the chosen port.
  std::vector<std::string> argv;
  /// Extra environment ("NAME=value"), "{port}" replaced likewise.
  std::vector<std::string> env;
  /// Printed by the server once it listens ("{port}" replaced).
  std::string ready_line;
  /// How long one start may take before it counts as failed.
  std::chrono::milliseconds ready_limit{std::chrono::seconds(90)};
  int attempts = 3;
};

class PeerServer {
 public:
  /// Starts the server and waits until it is ready. Check ok().
  explicit PeerServer(PeerOptions options);
  ~PeerServer();
  PeerServer(const PeerServer&) = delete;
  PeerServer& operator=(const PeerServer&) = delete;

  bool ok() const { return pid_ > 0; }
  /// Why it is not ok, with the tail of its log.
  const std::string& error() const { return error_; }
  std::uint16_t port() const { return port_; }
  /// "http://127.0.0.1:<port>".
  std::string base_url() const;
  const std::string& log_path() const { return log_path_; }
  /// Everything the server has written so far.
  std::string ReadLog() const;
  /// How long the successful start took.
  std::chrono::milliseconds startup_time() const { return startup_time_; }

 private:
  bool StartOnce(std::uint16_t port, std::string* error);

  PeerOptions options_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string log_path_;
  std::string error_;
  std::chrono::milliseconds startup_time_{0};
};

/// A port on 127.0.0.1 that was free a moment ago, or 0.
std::uint16_t PickFreePort();

}  // namespace prsm::conformance

#endif  // PRSM_TESTS_CONFORMANCE_PEER_SERVER_H_
