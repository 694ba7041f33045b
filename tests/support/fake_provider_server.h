// fake_provider_server.h — a scriptable stand-in for LLM vendors' HTTP APIs.
//
// prsm's integration tests, demo and benchmarks talk to this server instead of a real vendor.
// It listens on 127.0.0.1 only, speaks HTTP/1.1 with keep-alive, and answers the OpenAI Chat
// Completions API (`POST /v1/chat/completions`, also `/chat/completions`). What it answers is
// scripted per model: latency, HTTP status, Retry-After, text, token usage, and failure modes
// (truncated, malformed, huge or empty bodies, connection resets, error bodies).
//
// It deliberately does not depend on the prsm library: it plays the vendor, so sharing prsm's
// codecs would let a bug on one side hide the same bug on the other.
//
// Threading: `Start()` runs one event loop (epoll, non-blocking sockets) on one background
// thread; latency is a timer on that loop, never a sleep, so thousands of delayed requests can be
// in flight at once. Every public method may be called from any thread, concurrently with the
// loop and with each other, except that `Stop()`/the destructor must not race with other calls
// on the same object (as for any object being destroyed).
//
// HTTP limits (documented behaviour, tested): request heads up to 64 KiB (else 431), bodies up to
// 64 MiB given by `Content-Length` (else 413). Chunked request bodies (`Transfer-Encoding`) are
// not supported and get 411 Length Required: prsm and curl send `Content-Length`, and a fake
// should fail loudly rather than half-support framing. `Expect: 100-continue` is honoured. A
// request that cannot be parsed gets a 400 with a JSON error body and the connection is closed.
// If the client closes its connection while its response is being delayed, the response is
// dropped and the connection closed (so `open_connections()` reflects client cancellations).
#ifndef PRSM_TESTS_SUPPORT_FAKE_PROVIDER_SERVER_H_
#define PRSM_TESTS_SUPPORT_FAKE_PROVIDER_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace prsm::testing {

/// How the body of a scripted response is shaped.
/// Every mode except kReset and kError answers with the script's `status` (200 by default).
enum class BodyMode {
  kNormal,     ///< A valid protocol body: a completion, or an error body when status >= 400.
  kTruncated,  ///< The kNormal response with its full Content-Length, but only the first half
               ///< of the body is sent; then the connection is closed.
  kMalformed,  ///< Correct Content-Length, body is not valid JSON.
  kHuge,       ///< A valid JSON object of exactly `huge_bytes` bytes (`{"padding":"xx..."}`),
               ///< generated while it is sent.
  kEmpty,      ///< `Content-Length: 0`.
  kReset,      ///< Nothing is sent; the connection is reset (TCP RST) after the latency.
  kError,      ///< An error body with `status` (500 when `status` is 200).
};

/// What the server answers for one model. All fields have usable defaults: a default-constructed
/// script yields a correct 200 completion.
struct ModelScript {
  /// Delay between reading the whole request and sending the first response byte (a timer).
  std::chrono::milliseconds latency{0};
  /// HTTP status, 200..599. With kNormal, a status >= 400 sends a protocol error body.
  int status = 200;
  /// Non-empty: sent verbatim as `Retry-After: <value>` (CR and LF are replaced by spaces).
  std::string retry_after;
  /// Completion text; every "{model}" in it is replaced by the requested model name.
  std::string text = "Hello from the fake provider.";
  std::int64_t prompt_tokens = 12;
  std::int64_t completion_tokens = 7;
  std::int64_t cached_tokens = 0;
  std::int64_t reasoning_tokens = 0;
  std::string finish_reason = "stop";
  BodyMode body = BodyMode::kNormal;
  /// kHuge: exact body size in bytes. Generated in chunks while sending, never held whole.
  std::size_t huge_bytes = std::size_t{64} << 20;
  /// Content-Type of every scripted response (completions and scripted errors alike).
  std::string content_type = "application/json";
  /// Error bodies: `{"error":{"message":error_message,"type":error_type,"param":null,
  /// "code":error_code or null when empty}}`. "{model}" in error_message is substituted too.
  std::string error_type = "server_error";
  std::string error_message = "scripted failure";
  std::string error_code;
};

/// One request as the server received it.
struct RecordedRequest {
  std::string method;
  std::string path;  ///< The request target as sent, query string included.
  /// Header fields in arrival order; names as sent (compare them case-insensitively).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string model;  ///< The model the protocol found in the request; empty if none.
};

struct FakeProviderOptions {
  /// 0 picks an ephemeral port; read it back with `port()`.
  std::uint16_t port = 0;
  /// How many of the most recent requests `recorded_requests()` keeps (0 keeps none).
  std::size_t max_recorded = 256;
};

/// A running fake vendor server. Create it with `Start()`; it serves until `Stop()` or
/// destruction. Not copyable or movable (the loop thread refers to it).
class FakeProviderServer {
 public:
  /// Binds 127.0.0.1:`options.port`, listens (backlog 4096) and starts the loop thread.
  /// Also raises this process's RLIMIT_NOFILE soft limit to its hard limit, so thousands of
  /// connections fit (a process-wide change, harmless for tests and tools).
  /// Returns nullptr on failure and, if `error` is not null, stores a message there
  /// (e.g. "bind 127.0.0.1:8080: Address already in use"). Never throws except std::bad_alloc.
  static std::unique_ptr<FakeProviderServer> Start(FakeProviderOptions options = {},
                                                   std::string* error = nullptr);

  /// Calls `Stop()`.
  ~FakeProviderServer();
  FakeProviderServer(const FakeProviderServer&) = delete;
  FakeProviderServer& operator=(const FakeProviderServer&) = delete;

  /// Wakes the loop, joins its thread and closes every socket (responses still delayed are
  /// dropped). Idempotent. Must not be called from the loop thread (it never calls user code,
  /// so this only matters for exotic uses).
  void Stop();

  /// The port actually bound. Stable for the object's lifetime.
  std::uint16_t port() const;
  /// "http://127.0.0.1:<port>/v1": the base URL an OpenAI client is configured with.
  std::string base_url() const;

  /// Sets the script for `model` (exact, case-sensitive name), replacing any previous one.
  /// Takes effect for requests read after this call returns.
  void SetScript(const std::string& model, ModelScript script);
  /// Removes `model`'s script, so it falls back to the default script.
  void ClearScript(const std::string& model);
  /// The script for models that have none of their own (initially `ModelScript{}`).
  void SetDefaultScript(ModelScript script);

  /// Requests received for `model`, counted when the request has been fully read (so before
  /// its latency elapses). Requests rejected before a model was known do not count.
  std::uint64_t RequestCount(const std::string& model) const;
  /// Every fully read, parseable HTTP request, whatever its path or outcome. HTTP-level rejects
  /// (malformed request line, 411, 413, 431) are not requests and are not counted.
  std::uint64_t total_requests() const;
  /// Client connections currently open (accepted and not yet closed by either side).
  std::size_t open_connections() const;
  /// TCP connections accepted since start (or since `ResetCounters()`); lets tests verify
  /// keep-alive reuse.
  std::uint64_t accepted_connections() const;
  /// The last `max_recorded` requests counted by `total_requests()`, oldest first.
  std::vector<RecordedRequest> recorded_requests() const;
  /// Zeroes the request counts and `accepted_connections()` and forgets recorded requests.
  /// Response ids (`chatcmpl-<n>`, `x-request-id: req_<n>`) keep increasing.
  void ResetCounters();

 private:
  struct Impl;
  explicit FakeProviderServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Parses a script file:
///   {"default": {<script>}, "models": {"<model>": {<script>}, ...}}
/// where <script> has the optional keys latency_ms, status, retry_after, text, prompt_tokens,
/// completion_tokens, cached_tokens, reasoning_tokens, finish_reason, body ("normal",
/// "truncated", "malformed", "huge", "empty", "reset", "error"), huge_bytes, content_type,
/// error_type, error_message, error_code (string or null). Omitted keys keep the `ModelScript`
/// defaults; model scripts do not inherit from "default". Unknown keys are errors.
/// On success fills `*default_script` (ModelScript{} when "default" is absent) and replaces
/// `*models`, and returns true. On failure leaves both untouched, stores a message naming the
/// JSON path in `*error` (e.g. "models.fast.latency_ms: expected a non-negative integer") and
/// returns false. Any output pointer may be null.
bool LoadScriptFile(const std::string& json_text, ModelScript* default_script,
                    std::map<std::string, ModelScript>* models, std::string* error);

}  // namespace prsm::testing

#endif  // PRSM_TESTS_SUPPORT_FAKE_PROVIDER_SERVER_H_
