// http_message.h — the HTTP/1.1 request and response values exchanged between the transport
// (http_server) and whoever decides what to answer (an HttpHandler).
//
// The split keeps sockets out of protocol code: a protocol sees a parsed request and returns a
// response plan (status, headers, body, delay, how the connection ends); the server executes it.
#ifndef PRSM_TESTS_SUPPORT_HTTP_MESSAGE_H_
#define PRSM_TESTS_SUPPORT_HTTP_MESSAGE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace prsm::testing::fake {

/// ASCII case-insensitive equality (HTTP field names and tokens).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

/// A complete request: head parsed, body fully read.
struct HttpRequest {
  std::string method;
  std::string target;  ///< As sent, e.g. "/v1/chat/completions?x=1".
  std::string path;    ///< `target` without query or fragment; absolute-form reduced to its path.
  int version_minor = 1;                                     ///< HTTP/1.<version_minor>.
  std::vector<std::pair<std::string, std::string>> headers;  ///< Values trimmed of OWS.
  std::string body;
  bool keep_alive = true;  ///< After the version default and any Connection header.
  std::uint64_t seq = 0;   ///< Server-wide response sequence number (x-request-id: req_<seq>).

  /// The first header named `name` (case-insensitive), or nullptr.
  const std::string* FindHeader(std::string_view name) const;
  /// The value of the first query parameter `name` in `target` ("?a=1&b=2"), percent-decoded
  /// ('+' stays '+'); std::nullopt when absent. A parameter without '=' has an empty value.
  std::optional<std::string> QueryParameter(std::string_view name) const;
};

/// A response body produced piecewise while it is sent, so a huge body never sits in memory.
class BodySource {
 public:
  virtual ~BodySource() = default;
  /// Bytes not yet produced.
  virtual std::uint64_t remaining() const = 0;
  /// Appends the next min(max_bytes, remaining()) bytes to `out`.
  virtual void Produce(std::size_t max_bytes, std::string* out) = 0;
};

/// A body sent over time, piece by piece: a streamed completion (SSE, NDJSON). The server frames
/// it with `Transfer-Encoding: chunked` (HTTP/1.1) or ends it by closing the connection
/// (HTTP/1.0), and waits for each piece's delay with a timer.
struct TimedBody {
  struct Piece {
    /// Wait this long after the previous piece (or after the head) before sending `data`.
    std::chrono::milliseconds delay{0};
    std::string data;  ///< Empty pieces send nothing (they only delay what follows).
  };
  /// How the body ends once every piece has been sent.
  enum class Ending {
    kComplete,  ///< The terminating zero-length chunk; the connection stays usable.
    kClose,     ///< The terminating chunk too, then the connection is closed (FIN): the HTTP
                ///< message is complete, so only the vendor's missing end marker tells.
    kReset,     ///< Reset (TCP RST) once every piece is out of our socket buffer.
  };

  std::vector<Piece> pieces;
  Ending ending = Ending::kComplete;
  /// kClose and kReset: wait this long after the last piece before ending.
  std::chrono::milliseconds ending_delay{0};
};

/// What to send for one request.
struct HttpResponse {
  int status = 200;
  /// Extra header fields (Content-Type, Retry-After, Allow, ...). The server adds Date,
  /// Content-Length (or Transfer-Encoding), x-request-id and Connection itself. CR/LF in values
  /// are neutralised.
  std::vector<std::pair<std::string, std::string>> headers;
  /// The body, sent before `stream` (if any).
  std::string body;
  /// Further body bytes generated while sending (kHuge).
  std::unique_ptr<BodySource> stream;
  /// If set, announced as Content-Length instead of the real size; used to send a truncated
  /// body (the server closes the connection after the real bytes).
  std::optional<std::uint64_t> announced_length;
  /// Sent only after this delay, measured from the moment the request was fully read.
  std::chrono::milliseconds delay{0};
  /// Close the connection after this response (`Connection: close`).
  bool close = false;
  /// Send nothing: reset the connection (SO_LINGER 0 + close → TCP RST) once `delay` elapses.
  bool reset = false;
  /// Set: the body is sent over time instead of `body`/`stream` (which must be empty), and the
  /// head carries `Transfer-Encoding: chunked` instead of Content-Length.
  std::optional<TimedBody> timed;

  /// Bytes the body really consists of.
  std::uint64_t actual_length() const { return body.size() + (stream ? stream->remaining() : 0); }
};

/// The reason phrase for `status` ("OK", "Not Found", ...; "Unknown" for unlisted codes).
std::string_view ReasonPhrase(int status);

/// Appends the status line and header section (ending with the empty line) to `out`.
/// `status` outside 100..599 is sent as 500 so the stream stays valid HTTP. A `timed` body is
/// announced as `Transfer-Encoding: chunked` when `chunked` is true, else with no length at all
/// (HTTP/1.0: the body ends when the connection closes).
void AppendResponseHead(const HttpResponse& response, bool keep_alive, bool chunked,
                        std::string_view date, std::uint64_t seq, std::string* out);

/// Appends `data` as one chunk of a chunked body ("<hex size>\r\n<data>\r\n"); nothing if
/// `data` is empty (an empty chunk would end the body).
void AppendChunk(std::string_view data, std::string* out);

/// The chunk that ends a chunked body.
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

/// Formats the current time as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), reformatting
/// at most once per second. Not thread-safe: one per event loop.
class HttpDateCache {
 public:
  std::string_view Get();

 private:
  std::time_t formatted_for_ = -1;
  std::string text_;
};

}  // namespace prsm::testing::fake

#endif  // PRSM_TESTS_SUPPORT_HTTP_MESSAGE_H_
