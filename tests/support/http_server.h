// http_server.h — a small single-threaded HTTP/1.1 server on epoll, for the fake provider.
//
// One thread calls Run(): level-triggered epoll over non-blocking sockets, a min-heap of timer
// deadlines folded into the epoll_wait timeout (response delays, closing-connection grace
// periods), and an eventfd so Shutdown() can wake it from any thread. Nothing on the loop ever
// sleeps or blocks, so thousands of connections with delayed responses cost only memory.
//
// Connections are keyed by a never-reused 64-bit id (also the epoll user data), so an event or
// timer for a connection closed earlier in the same iteration finds nothing instead of freed
// memory, and no per-event work scans all connections.
//
// Per connection: read a request (HttpRequestParser), hand it to the HttpHandler, wait out the
// response's delay, write head and body (generated bodies are produced 256 KiB at a time; timed
// bodies — streamed completions — piece by piece, each after its own timer, chunked), then
// either read the next request (keep-alive; pipelined bytes already received are served in
// order) or close. A client that closes while its response is delayed or between the pieces of
// a timed body is dropped at once, timer included. "Close" is a graceful one: shutdown(SHUT_WR),
// then discard input until the peer closes or 2 s pass, so a client still sending a rejected body
// reads our error response instead of a reset.
//
// Timers are cancelled lazily (a stale heap entry is skipped when it comes due) and the heap is
// compacted when stale entries outnumber live ones, so thousands of cancelled streams with long
// stalls leave nothing behind.
#ifndef PRSM_TESTS_SUPPORT_HTTP_SERVER_H_
#define PRSM_TESTS_SUPPORT_HTTP_SERVER_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "http_message.h"
#include "http_request_parser.h"
#include "unique_fd.h"

namespace prsm::testing::fake {

/// Decides what to answer. Called on the loop thread only.
class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  /// The response to a complete request. If it throws, the client gets
  /// `RenderHttpError(500, what)` and the connection is closed.
  virtual HttpResponse Handle(HttpRequest request) = 0;
  /// The response to a request the HTTP layer rejected (400, 411, 413, 431, 505) or a handler
  /// failure (500). The connection is closed after it.
  virtual HttpResponse RenderHttpError(int status, const std::string& message) = 0;
};

struct HttpServerOptions {
  std::uint16_t port = 0;  ///< 0: ephemeral.
  int backlog = 4096;
  HttpRequestParser::Limits limits;
};

class HttpServer {
 public:
  /// Creates the epoll set and a listening socket on 127.0.0.1:`options.port`. `handler` must
  /// outlive the server. Returns nullptr and sets `*error` on failure.
  static std::unique_ptr<HttpServer> Create(const HttpServerOptions& options, HttpHandler* handler,
                                            std::string* error);
  /// Closes every socket. Run() must have returned (or never been called).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Serves until Shutdown(); then closes all client connections and returns. Never throws:
  /// a failure while serving one connection closes that connection.
  void Run();
  /// Makes Run() return soon. Thread-safe, idempotent, async-signal-safe.
  void Shutdown();

  std::uint16_t port() const { return port_; }
  /// Thread-safe.
  std::size_t open_connections() const { return open_connections_.load(); }
  /// Thread-safe.
  std::uint64_t accepted_connections() const { return accepted_connections_.load(); }
  /// Thread-safe.
  void ResetAcceptedConnections() { accepted_connections_.store(0); }
  /// Connections with a timer armed (a delayed response, the next piece of a timed body, a
  /// closing connection's grace period). Thread-safe.
  std::size_t pending_timers() const { return pending_timers_.load(); }

 private:
  struct Connection;
  struct Timer {
    std::chrono::steady_clock::time_point deadline;
    std::uint64_t connection_id;
    std::uint64_t ticket;
    bool operator>(const Timer& other) const { return deadline > other.deadline; }
  };

  HttpServer(HttpHandler* handler, HttpRequestParser::Limits limits);

  int NextTimeoutMs() const;
  void RunDueTimers();
  void OnTimer(Connection& c);
  void ArmTimer(Connection& c, std::chrono::milliseconds delay);
  void CompactTimers();
  void AcceptAll();
  void OnEvent(Connection& c, std::uint32_t events);

  // Each of these returns false once the connection has been closed (and `c` freed).
  bool ReadAndProcess(Connection& c);
  bool ProcessInput(Connection& c);
  bool Dispatch(Connection& c, HttpRequest request);
  bool Respond(Connection& c, HttpResponse response, bool keep_alive);
  bool StartResponse(Connection& c);
  bool ContinueTimedBody(Connection& c);
  bool WaitForTimedBody(Connection& c, std::chrono::milliseconds delay);
  bool Flush(Connection& c);
  bool FinishResponse(Connection& c);
  bool BeginClose(Connection& c);
  bool Drain(Connection& c);
  bool UpdateInterest(Connection& c);
  void Abort(Connection& c);
  void Close(Connection& c);

  HttpHandler* const handler_;
  const HttpRequestParser::Limits limits_;
  UniqueFd epoll_;
  UniqueFd listener_;
  UniqueFd wake_;
  UniqueFd spare_fd_;  // Released to accept-and-drop a connection when out of descriptors.
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> open_connections_{0};
  std::atomic<std::uint64_t> accepted_connections_{0};
  std::atomic<std::size_t> pending_timers_{0};

  // Loop-thread state.
  std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> connections_;
  std::vector<Timer> timers_;  // A min-heap on deadline (std::push_heap with std::greater).
  std::uint64_t next_connection_id_;
  std::uint64_t next_ticket_ = 1;
  std::uint64_t next_seq_ = 1;
  HttpDateCache date_;
  std::vector<char> scratch_;
};

}  // namespace prsm::testing::fake

#endif  // PRSM_TESTS_SUPPORT_HTTP_SERVER_H_
