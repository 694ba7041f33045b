#include "http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <exception>
#include <system_error>
#include <utility>

namespace prsm::testing::fake {
namespace {

constexpr std::uint64_t kListenerId = 0;
constexpr std::uint64_t kWakeId = 1;
constexpr std::uint64_t kFirstConnectionId = 2;
constexpr int kMaxEvents = 512;
constexpr int kMaxAcceptsPerWake = 1024;  // Then let established connections run.
constexpr std::size_t kReadChunk = 64 << 10;
constexpr std::size_t kReadBudget = 1 << 20;   // Per event: one huge upload can't starve others.
constexpr std::size_t kWriteBudget = 4 << 20;  // Likewise for one huge download.
constexpr std::size_t kStreamChunk = 256 << 10;
constexpr auto kCloseGrace = std::chrono::seconds(2);
// Before resetting mid-stream, wait (1 ms timers) until the kernel has sent what we wrote, at
// most this many times: a client that stops reading must not keep the connection forever.
constexpr int kMaxResetWaits = 2000;
// Compact the timer heap once it holds more than this many entries and most are stale.
constexpr std::size_t kTimerCompactionFloor = 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string ErrnoMessage(const char* what, int err) {
  return std::string(what) + ": " + std::generic_category().message(err);
}

}  // namespace

struct HttpServer::Connection {
  enum class State {
    kReading,    // Waiting for (the rest of) a request.
    kDelaying,   // A response is ready; its timer has not fired yet.
    kWriting,    // Sending a response.
    kStreaming,  // Sending a timed body: the next piece (or its ending) waits for the timer.
    kClosing,    // Write side shut down; discarding input until EOF or the grace timer.
  };

  Connection(UniqueFd socket, std::uint64_t connection_id, HttpRequestParser::Limits limits)
      : fd(std::move(socket)), id(connection_id), parser(limits) {}

  UniqueFd fd;
  const std::uint64_t id;
  State state = State::kReading;
  std::uint32_t interest = 0;  // The epoll mask currently registered.
  bool peer_closed = false;    // We have read EOF.
  std::string in;              // Received, not yet consumed.
  HttpRequestParser parser;
  std::string out;  // To send, from out_pos on.
  std::size_t out_pos = 0;
  HttpResponse response;  // The response being delayed or sent (its stream, if any).
  std::uint64_t response_seq = 0;
  bool keep_alive = true;          // Of the response being delayed or sent.
  bool head_request = false;       // The response answers a HEAD: send no body.
  bool chunked = true;             // An HTTP/1.1 request: a timed body may be sent chunked.
  std::uint64_t timer_ticket = 0;  // The live timer's ticket; 0 = none.
  // Progress through a timed body.
  std::size_t next_piece = 0;   // The next piece to send.
  bool due = false;             // The timer for the next piece (or the ending) has fired.
  bool ending_started = false;  // Every piece is sent and the ending has begun.
  bool reset_pending = false;   // Reset the connection once the output has drained.
  int reset_waits = 0;
};

HttpServer::HttpServer(HttpHandler* handler, HttpRequestParser::Limits limits)
    : handler_(handler),
      limits_(limits),
      next_connection_id_(kFirstConnectionId),
      scratch_(kReadChunk) {}

HttpServer::~HttpServer() = default;

std::unique_ptr<HttpServer> HttpServer::Create(const HttpServerOptions& options,
                                               HttpHandler* handler, std::string* error) {
  auto fail = [error](std::string message) -> std::unique_ptr<HttpServer> {
    if (error != nullptr) *error = std::move(message);
    return nullptr;
  };
  std::unique_ptr<HttpServer> server(new HttpServer(handler, options.limits));

  server->epoll_.reset(epoll_create1(EPOLL_CLOEXEC));
  if (!server->epoll_) return fail(ErrnoMessage("epoll_create1", errno));
  server->wake_.reset(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!server->wake_) return fail(ErrnoMessage("eventfd", errno));
  server->spare_fd_.reset(open("/dev/null", O_RDONLY | O_CLOEXEC));

  server->listener_.reset(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!server->listener_) return fail(ErrnoMessage("socket", errno));
  const int one = 1;
  // SO_REUSEADDR lets a fixed port be rebound while old connections sit in TIME_WAIT.
  setsockopt(server->listener_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(options.port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // Loopback only, never 0.0.0.0.
  if (bind(server->listener_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) !=
      0) {
    return fail(ErrnoMessage(("bind 127.0.0.1:" + std::to_string(options.port)).c_str(), errno));
  }
  if (listen(server->listener_.get(), options.backlog) != 0) {
    return fail(ErrnoMessage("listen", errno));
  }
  socklen_t length = sizeof address;
  if (getsockname(server->listener_.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return fail(ErrnoMessage("getsockname", errno));
  }
  server->port_ = ntohs(address.sin_port);

  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kListenerId;
  if (epoll_ctl(server->epoll_.get(), EPOLL_CTL_ADD, server->listener_.get(), &event) != 0) {
    return fail(ErrnoMessage("epoll_ctl", errno));
  }
  event.data.u64 = kWakeId;
  if (epoll_ctl(server->epoll_.get(), EPOLL_CTL_ADD, server->wake_.get(), &event) != 0) {
    return fail(ErrnoMessage("epoll_ctl", errno));
  }
  return server;
}

void HttpServer::Shutdown() {
  stop_.store(true);
  const std::uint64_t one = 1;
  // A full counter (EAGAIN) already means "wake up"; nothing else can fail here.
  [[maybe_unused]] const ssize_t n = write(wake_.get(), &one, sizeof one);
}

void HttpServer::Run() {
  epoll_event events[kMaxEvents];
  while (!stop_.load()) {
    const int n = epoll_wait(epoll_.get(), events, kMaxEvents, NextTimeoutMs());
    if (n < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "fake provider: %s\n", ErrnoMessage("epoll_wait", errno).c_str());
      break;
    }
    for (int i = 0; i < n; ++i) {
      const std::uint64_t id = events[i].data.u64;
      if (id == kListenerId) {
        try {
          AcceptAll();
        } catch (const std::exception&) {
          // Out of memory for a new connection: the backlog keeps it; retry on the next wake.
        }
      } else if (id == kWakeId) {
        std::uint64_t value = 0;
        [[maybe_unused]] const ssize_t r = read(wake_.get(), &value, sizeof value);
      } else {
        const auto it = connections_.find(id);
        if (it == connections_.end()) continue;  // Closed earlier in this batch.
        Connection& c = *it->second;
        try {
          OnEvent(c, events[i].events);
        } catch (const std::exception&) {
          // Out of memory, most likely: drop this client, keep serving the others.
          if (connections_.count(id) != 0) Close(c);
        }
      }
    }
    RunDueTimers();
  }
  // Stop: close the listener (new connections are refused rather than left unanswered in the
  // backlog) and every client socket, and forget timers that refer to them.
  listener_.reset();
  connections_.clear();
  open_connections_.store(0);
  timers_.clear();
  pending_timers_.store(0);
}

int HttpServer::NextTimeoutMs() const {
  if (timers_.empty()) return -1;
  const auto now = std::chrono::steady_clock::now();
  const auto deadline = timers_.front().deadline;
  if (deadline <= now) return 0;
  // Round up: waking a little late is harmless, waking early would just spin until due.
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
  return static_cast<int>(std::min<decltype(ms)>(ms, INT_MAX));
}

void HttpServer::ArmTimer(Connection& c, std::chrono::milliseconds delay) {
  if (c.timer_ticket == 0) pending_timers_.fetch_add(1);
  c.timer_ticket = next_ticket_++;
  timers_.push_back(Timer{std::chrono::steady_clock::now() + delay, c.id, c.timer_ticket});
  std::push_heap(timers_.begin(), timers_.end(), std::greater<>());
  if (timers_.size() > kTimerCompactionFloor && timers_.size() > 2 * pending_timers_.load()) {
    CompactTimers();
  }
}

void HttpServer::CompactTimers() {
  // Lazy cancellation leaves entries for closed connections (a cancelled stream with a long
  // stall): drop them all at once, O(n), so memory follows the live timers.
  const auto stale = [this](const Timer& timer) {
    const auto it = connections_.find(timer.connection_id);
    return it == connections_.end() || it->second->timer_ticket != timer.ticket;
  };
  timers_.erase(std::remove_if(timers_.begin(), timers_.end(), stale), timers_.end());
  std::make_heap(timers_.begin(), timers_.end(), std::greater<>());
}

void HttpServer::RunDueTimers() {
  const auto now = std::chrono::steady_clock::now();
  while (!timers_.empty() && timers_.front().deadline <= now) {
    std::pop_heap(timers_.begin(), timers_.end(), std::greater<>());
    const Timer timer = timers_.back();
    timers_.pop_back();
    const auto it = connections_.find(timer.connection_id);
    // Stale entries (connection gone, or timer superseded) are simply dropped: lazy deletion
    // keeps cancellation O(1) and the heap never needs a search.
    if (it == connections_.end() || it->second->timer_ticket != timer.ticket) continue;
    Connection& c = *it->second;
    c.timer_ticket = 0;
    pending_timers_.fetch_sub(1);
    try {
      OnTimer(c);
    } catch (const std::exception&) {
      if (connections_.count(timer.connection_id) != 0) Close(c);
    }
  }
}

void HttpServer::OnTimer(Connection& c) {
  if (c.state == Connection::State::kDelaying) {
    if (StartResponse(c) && c.state == Connection::State::kReading) ProcessInput(c);
  } else if (c.state == Connection::State::kStreaming) {
    c.due = true;
    if (ContinueTimedBody(c) && c.state == Connection::State::kReading) ProcessInput(c);
  } else if (c.state == Connection::State::kClosing) {
    Close(c);  // The peer never closed; stop waiting for it.
  }
}

void HttpServer::AcceptAll() {
  for (int i = 0; i < kMaxAcceptsPerWake; ++i) {
    UniqueFd fd(accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd) {
      const int err = errno;
      if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue;
      if ((err == EMFILE || err == ENFILE) && spare_fd_) {
        // Out of descriptors: the pending connection would make the level-triggered listener
        // fire forever. Free the spare, accept and drop one connection, take the spare back.
        spare_fd_.reset();
        UniqueFd dropped(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        dropped.reset();
        spare_fd_.reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
      }
      return;  // EAGAIN: all accepted. Anything else: retry on the next wake.
    }
    const int one = 1;
    // Responses are written whole; Nagle would only hold back the tail of a keep-alive
    // response waiting for an ACK the client delays.
    setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const std::uint64_t id = next_connection_id_++;
    auto connection = std::make_unique<Connection>(std::move(fd), id, limits_);
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP;
    event.data.u64 = id;
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, connection->fd.get(), &event) != 0) continue;
    connection->interest = event.events;
    connections_.emplace(id, std::move(connection));
    open_connections_.fetch_add(1);
    accepted_connections_.fetch_add(1);
  }
}

void HttpServer::OnEvent(Connection& c, std::uint32_t events) {
  if ((events & EPOLLERR) != 0) {
    Close(c);  // Reset by the peer or another socket error: nothing more can be exchanged.
    return;
  }
  switch (c.state) {
    case Connection::State::kReading:
      if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) != 0 && !ReadAndProcess(c)) return;
      if ((events & EPOLLOUT) != 0 && !Flush(c)) return;
      return;
    case Connection::State::kDelaying:
      if ((events & (EPOLLRDHUP | EPOLLHUP)) != 0) {
        Close(c);  // The client gave up (timeout, cancellation): drop its delayed response.
        return;
      }
      if ((events & EPOLLOUT) != 0) Flush(c);  // A "100 Continue" that did not fit at once.
      return;
    case Connection::State::kWriting:
      if ((events & EPOLLHUP) != 0) {
        Close(c);
        return;
      }
      if ((events & EPOLLOUT) != 0 && Flush(c) && c.state == Connection::State::kReading) {
        ProcessInput(c);  // Serve a pipelined request received while we were writing.
      }
      return;
    case Connection::State::kStreaming:
      if ((events & (EPOLLRDHUP | EPOLLHUP)) != 0) {
        Close(c);  // The client cancelled the stream: stop sending, forget its timer.
        return;
      }
      if ((events & EPOLLOUT) != 0) Flush(c);
      return;
    case Connection::State::kClosing:
      Drain(c);
      return;
  }
}

bool HttpServer::ReadAndProcess(Connection& c) {
  std::size_t total = 0;
  while (total < kReadBudget) {
    const ssize_t n = recv(c.fd.get(), scratch_.data(), scratch_.size(), 0);
    if (n > 0) {
      c.in.append(scratch_.data(), static_cast<std::size_t>(n));
      total += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) {
      c.peer_closed = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    Close(c);  // ECONNRESET and friends.
    return false;
  }
  return ProcessInput(c);
}

bool HttpServer::ProcessInput(Connection& c) {
  // A loop, not recursion: each response that completes at once hands back to this loop, so a
  // burst of pipelined requests cannot grow the stack.
  while (c.state == Connection::State::kReading) {
    HttpRequest request;
    const HttpRequestParser::Status status = c.parser.Parse(&c.in, &request);
    if (status == HttpRequestParser::Status::kComplete) {
      if (!Dispatch(c, std::move(request))) return false;
      continue;
    }
    if (status == HttpRequestParser::Status::kError) {
      HttpResponse response =
          handler_->RenderHttpError(c.parser.error_status(), c.parser.error_message());
      response.delay = std::chrono::milliseconds::zero();
      c.in.clear();  // The framing is lost; nothing after this point can be trusted.
      c.response_seq = next_seq_++;
      c.head_request = false;
      return Respond(c, std::move(response), /*keep_alive=*/false);
    }
    // Incomplete.
    if (c.peer_closed) {
      Close(c);  // EOF before a complete request: nobody is left to answer.
      return false;
    }
    if (c.parser.TakeContinueRequest()) {
      c.out.append(kContinue);
      return Flush(c);
    }
    return UpdateInterest(c);
  }
  return true;
}

bool HttpServer::Dispatch(Connection& c, HttpRequest request) {
  const std::uint64_t seq = next_seq_++;
  request.seq = seq;
  c.head_request = request.method == "HEAD";
  c.chunked = request.version_minor >= 1;
  // An EOF already read means the client cannot send another request: close after answering.
  const bool keep_alive = request.keep_alive && !c.peer_closed;
  HttpResponse response;
  try {
    response = handler_->Handle(std::move(request));
  } catch (const std::exception& e) {
    response = handler_->RenderHttpError(500, std::string("fake provider failure: ") + e.what());
    response.close = true;
  }
  c.response_seq = seq;
  const bool close = response.close;
  return Respond(c, std::move(response), keep_alive && !close);
}

bool HttpServer::Respond(Connection& c, HttpResponse response, bool keep_alive) {
  c.keep_alive = keep_alive;
  const auto delay = response.delay;
  c.response = std::move(response);
  if (delay > std::chrono::milliseconds::zero()) {
    c.state = Connection::State::kDelaying;
    ArmTimer(c, delay);
    return UpdateInterest(c);
  }
  return StartResponse(c);
}

bool HttpServer::StartResponse(Connection& c) {
  if (c.response.reset) {
    Abort(c);
    return false;
  }
  if (c.response.timed && c.head_request) c.response.timed.reset();
  // Without chunked framing (HTTP/1.0) only the connection's end can end a timed body.
  if (c.response.timed && !c.chunked) c.keep_alive = false;
  AppendResponseHead(c.response, c.keep_alive, c.chunked, date_.Get(), c.response_seq, &c.out);
  if (c.head_request) {
    // A HEAD response announces the body's length but never carries it (RFC 9110 §9.3.2).
    c.response.stream.reset();
  } else {
    c.out.append(c.response.body);
  }
  c.response.body = std::string();  // Release it now; a large body would otherwise linger.
  if (c.response.timed) {
    c.next_piece = 0;
    c.due = false;
    c.ending_started = false;
    c.reset_pending = false;
    c.reset_waits = 0;
    return ContinueTimedBody(c);
  }
  c.state = Connection::State::kWriting;
  return Flush(c);
}

bool HttpServer::ContinueTimedBody(Connection& c) {
  TimedBody& body = *c.response.timed;
  // Everything already due goes out in one write; the first piece with a delay waits for a
  // timer (`due` says that timer has fired).
  while (c.next_piece < body.pieces.size()) {
    TimedBody::Piece& piece = body.pieces[c.next_piece];
    if (piece.delay > std::chrono::milliseconds::zero() && !c.due) {
      return WaitForTimedBody(c, piece.delay);
    }
    c.due = false;
    if (c.chunked) {
      AppendChunk(piece.data, &c.out);
    } else {
      c.out.append(piece.data);
    }
    piece.data = std::string();
    ++c.next_piece;
  }
  if (!c.ending_started) {
    if (body.ending != TimedBody::Ending::kComplete &&
        body.ending_delay > std::chrono::milliseconds::zero() && !c.due) {
      return WaitForTimedBody(c, body.ending_delay);
    }
    c.ending_started = true;
  }
  c.due = false;
  switch (body.ending) {
    case TimedBody::Ending::kComplete:
      if (c.chunked) c.out.append(kLastChunk);
      break;
    case TimedBody::Ending::kClose:
      if (c.chunked) c.out.append(kLastChunk);
      c.keep_alive = false;
      break;
    case TimedBody::Ending::kReset:
      c.reset_pending = true;
      break;
  }
  c.state = Connection::State::kWriting;
  return Flush(c);
}

bool HttpServer::WaitForTimedBody(Connection& c, std::chrono::milliseconds delay) {
  c.state = Connection::State::kStreaming;
  ArmTimer(c, delay);
  return Flush(c);  // What is already due still goes out now.
}

bool HttpServer::Flush(Connection& c) {
  std::size_t sent = 0;
  while (sent < kWriteBudget) {
    if (c.out_pos == c.out.size()) {
      c.out.clear();
      c.out_pos = 0;
      if (c.state != Connection::State::kWriting || !c.response.stream ||
          c.response.stream->remaining() == 0) {
        break;
      }
      c.response.stream->Produce(kStreamChunk, &c.out);
    }
    const ssize_t n =
        send(c.fd.get(), c.out.data() + c.out_pos, c.out.size() - c.out_pos, MSG_NOSIGNAL);
    if (n >= 0) {
      c.out_pos += static_cast<std::size_t>(n);
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    Close(c);  // EPIPE, ECONNRESET: the client is gone.
    return false;
  }
  const bool drained =
      c.out_pos == c.out.size() && (!c.response.stream || c.response.stream->remaining() == 0);
  if (drained && c.state == Connection::State::kWriting) return FinishResponse(c);
  return UpdateInterest(c);
}

bool HttpServer::FinishResponse(Connection& c) {
  if (c.reset_pending) {
    // A reset discards whatever the kernel has not sent yet, so wait (on a timer, bounded)
    // until every piece has left our socket: the client then reads them all before the reset.
    int unsent = 0;
    if (ioctl(c.fd.get(), SIOCOUTQNSD, &unsent) == 0 && unsent > 0 &&
        c.reset_waits < kMaxResetWaits) {
      ++c.reset_waits;
      c.state = Connection::State::kStreaming;
      ArmTimer(c, std::chrono::milliseconds(1));
      return UpdateInterest(c);
    }
    Abort(c);
    return false;
  }
  c.response = HttpResponse{};
  if (!c.keep_alive) return BeginClose(c);
  c.state = Connection::State::kReading;
  return UpdateInterest(c);
}

bool HttpServer::BeginClose(Connection& c) {
  if (c.peer_closed) {
    Close(c);
    return false;
  }
  // Half-close and drain rather than close(): closing with unread input makes the kernel send
  // a RST, which can destroy our last response before the client reads it.
  shutdown(c.fd.get(), SHUT_WR);
  c.state = Connection::State::kClosing;
  c.in.clear();
  ArmTimer(c, std::chrono::duration_cast<std::chrono::milliseconds>(kCloseGrace));
  return UpdateInterest(c);
}

bool HttpServer::Drain(Connection& c) {
  std::size_t total = 0;
  while (total < kReadBudget) {
    const ssize_t n = recv(c.fd.get(), scratch_.data(), scratch_.size(), 0);
    if (n > 0) {
      total += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    break;  // EOF or error: done.
  }
  if (total >= kReadBudget) return true;  // More to discard; the grace timer bounds it.
  Close(c);
  return false;
}

bool HttpServer::UpdateInterest(Connection& c) {
  constexpr std::uint32_t kIn = EPOLLIN;
  constexpr std::uint32_t kOut = EPOLLOUT;
  constexpr std::uint32_t kHangup = EPOLLRDHUP;
  std::uint32_t wanted = 0;
  const std::uint32_t out_if_pending = c.out_pos < c.out.size() ? kOut : 0;
  switch (c.state) {
    case Connection::State::kReading:
      wanted = (c.peer_closed ? 0 : kIn | kHangup) | out_if_pending;
      break;
    case Connection::State::kDelaying:
      // Not EPOLLIN: pipelined bytes wait in the kernel (bounding our memory), and a
      // level-triggered EPOLLIN we do not consume would spin. EPOLLRDHUP still reports a client
      // that gives up.
      wanted = kHangup | out_if_pending;
      break;
    case Connection::State::kWriting:
      wanted = kOut;
      break;
    case Connection::State::kStreaming:
      // Like kDelaying: no EPOLLIN, but a client hanging up mid-stream is noticed at once.
      wanted = kHangup | out_if_pending;
      break;
    case Connection::State::kClosing:
      wanted = kIn | kHangup;
      break;
  }
  if (wanted == c.interest) return true;
  epoll_event event{};
  event.events = wanted;
  event.data.u64 = c.id;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), &event) != 0) {
    Close(c);
    return false;
  }
  c.interest = wanted;
  return true;
}

void HttpServer::Abort(Connection& c) {
  // SO_LINGER {on, 0 s}: close() discards unsent data and sends a RST instead of a FIN, which
  // is what a vendor's crashing load balancer looks like to the client.
  const linger hard{1, 0};
  setsockopt(c.fd.get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  Close(c);
}

void HttpServer::Close(Connection& c) {
  // close() (in ~UniqueFd) also removes the socket from the epoll set: we never dup it.
  const std::uint64_t id = c.id;  // A copy: erase() destroys `c`, key included.
  if (c.timer_ticket != 0) pending_timers_.fetch_sub(1);  // Its heap entry is now stale.
  connections_.erase(id);
  open_connections_.fetch_sub(1);
  if (timers_.size() > kTimerCompactionFloor && timers_.size() > 2 * pending_timers_.load()) {
    CompactTimers();  // Many clients hung up on long timers: let the memory go now.
  }
}

}  // namespace prsm::testing::fake
