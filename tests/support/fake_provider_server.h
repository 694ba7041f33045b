// fake_provider_server.h — a scriptable stand-in for LLM vendors' HTTP APIs.
//
// prsm's integration tests, demo and benchmarks talk to this server instead of a real vendor.
// It listens on 127.0.0.1 only, speaks HTTP/1.1 with keep-alive, and answers six wire
// protocols, chosen by the request path (the `protocol` recorded with each request):
//
//   "openai"     POST /v1/chat/completions, POST /chat/completions    (model in the body)
//   "azure"      POST /openai/deployments/{deployment}/chat/completions?api-version=...
//                (model = the deployment; without `api-version`: 400, as Azure answers)
//   "anthropic"  POST /v1/messages                                     (model in the body)
//   "gemini"     POST /v1beta/models/{model}:generateContent, :streamGenerateContent
//                (also under /v1/); the stream is SSE with `alt=sse`, else Gemini's JSON array
//   "ollama"     POST /api/chat                                        (model in the body)
//   "custom"     POST /generate: no vendor's, a host's own model server's small JSON protocol
//                (custom_protocol.h), for examples/custom_provider.cpp; it does not stream
//
// What it answers is scripted per model, the same for every protocol: latency, HTTP status,
// Retry-After, text, tool calls, token usage (mapped to each vendor's fields), failure modes
// (truncated, malformed, huge, empty or HTML bodies, connection resets before or mid-body,
// slow trickles, error bodies in the vendor's shape), and for streamed answers the chunking,
// the delay between chunks, stalls before and after the first token, and a reset or truncation
// after N chunks.
//
// Streaming: a request asks for it as the vendor's API does (`"stream": true` for OpenAI and
// Anthropic; Ollama streams unless `"stream": false`; Gemini's :streamGenerateContent). The
// response is sent with `Transfer-Encoding: chunked`, as the vendors do, in three parts: the
// head together with the protocol's preamble (OpenAI's role delta; Anthropic's message_start,
// content_block_start and ping), then the content chunks (text pieces and tool-call pieces),
// then the epilogue (finish reason, usage, end marker). Timeline, every wait a timer:
//
//   request read ─latency─> head + preamble ─stall_before_first_token─> chunk 1
//     ─stall_after_first_token + chunk_latency─> chunk 2 ─chunk_latency─> ... chunk N
//     ─chunk_latency─> epilogue
//
// `reset_after_chunks: k` / `truncate_after_chunks: k` replace everything from chunk k+1 on
// (the epilogue included, so the end marker never comes) by a TCP reset / a clean end: the
// reset or the end happens when chunk k+1 would have been sent. A truncated stream ends its
// HTTP body properly (the terminating chunk) and then closes the connection, so the HTTP layer
// sees a complete response and only the missing end marker tells. k = 0 means right after the
// preamble, before any content. Wire samples of each protocol: docs in each *_protocol.h.
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
// If the client closes its connection while its response is being delayed, or between the
// chunks of a stream, the response is dropped, its timer cancelled and the connection closed (so
// `open_connections()` and `pending_timers()` reflect client cancellations at once).
#ifndef PRSM_TESTS_SUPPORT_FAKE_PROVIDER_SERVER_H_
#define PRSM_TESTS_SUPPORT_FAKE_PROVIDER_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace prsm::testing {

/// How the body of a scripted response is shaped.
/// Every mode except kReset and kError answers with the script's `status` (200 by default).
enum class BodyMode {
  /// A valid protocol body: a completion, or an error body when status >= 400.
  kNormal,
  /// The kNormal response with its full Content-Length, but only the first half of the body is
  /// sent; then the connection is closed.
  kTruncated,
  /// Correct Content-Length, body is not valid JSON.
  kMalformed,
  /// A valid JSON object of exactly `huge_bytes` bytes (`{"padding":"xx..."}`), generated while
  /// it is sent.
  kHuge,
  /// `Content-Length: 0`.
  kEmpty,
  /// Nothing is sent; the connection is reset (TCP RST) after the latency.
  kReset,
  /// An error body with `status` (500 when `status` is 200).
  kError,
  /// The kNormal head, then the first half of its body (sent with Transfer-Encoding: chunked),
  /// then a TCP reset: a connection lost mid-body.
  kResetMidBody,
  /// A short HTML page instead of JSON, as `text/html` unless `content_type` is set (what a
  /// captive portal or a misrouted proxy answers).
  kHtml,
};

/// A tool call the scripted model makes.
struct ScriptedToolCall {
  std::string name;
  /// The arguments as JSON object text. OpenAI and Azure send it verbatim (a string there, so it
  /// may even be invalid, as a model's can be); Anthropic, Gemini and Ollama embed it as a JSON
  /// object, and send `{}` when it is not one.
  std::string arguments = "{}";
};

/// What the server answers for one model. All fields have usable defaults: a default-constructed
/// script yields a correct 200 completion.
struct ModelScript {
  /// Delay between reading the whole request and sending the first response byte (a timer).
  std::chrono::milliseconds latency{0};
  /// A heavy tail: when > 0, every response whose server-wide sequence number (the n in
  /// `chatcmpl-<n>`) is a multiple of `slow_every` waits `slow_latency` instead of `latency`
  /// (slow_every = 100: 1% of calls are slow). Deterministic, so benchmarks repeat.
  std::size_t slow_every = 0;
  std::chrono::milliseconds slow_latency{0};
  /// HTTP status, 200..599. With kNormal, a status >= 400 sends a protocol error body.
  int status = 200;
  /// Non-empty: sent verbatim as `Retry-After: <value>` (CR and LF are replaced by spaces).
  std::string retry_after;
  /// Completion text; every "{model}" in it is replaced by the requested model name.
  std::string text = "Hello from the fake provider.";
  /// Tool calls after the text, in order (ids are derived from the response number).
  std::vector<ScriptedToolCall> tool_calls;
  /// Token usage in OpenAI's meaning: `prompt_tokens` includes `cached_tokens`, and
  /// `completion_tokens` includes `reasoning_tokens`. Each protocol maps them to its own fields:
  ///   OpenAI/Azure: as named, cached in prompt_tokens_details.cached_tokens, reasoning in
  ///     completion_tokens_details.reasoning_tokens.
  ///   Anthropic: input_tokens = prompt - cached, cache_read_input_tokens = cached,
  ///     cache_creation_input_tokens = 0, output_tokens = completion (no reasoning count).
  ///   Gemini: promptTokenCount = prompt, cachedContentTokenCount = cached, candidatesTokenCount
  ///     = completion - reasoning, thoughtsTokenCount = reasoning (the last two only when > 0,
  ///     as Google omits zeros), totalTokenCount = prompt + completion.
  ///   Ollama: prompt_eval_count = prompt, eval_count = completion.
  std::int64_t prompt_tokens = 12;
  std::int64_t completion_tokens = 7;
  std::int64_t cached_tokens = 0;
  std::int64_t reasoning_tokens = 0;
  /// In OpenAI's vocabulary; sent verbatim by OpenAI/Azure and mapped for the others
  /// (stop/length/tool_calls/content_filter → Anthropic end_turn/max_tokens/tool_use/refusal,
  /// Gemini STOP/MAX_TOKENS/STOP/SAFETY, Ollama stop/length/stop/stop); any other value is sent
  /// verbatim. With `tool_calls`, set it to "tool_calls" as the vendors do.
  std::string finish_reason = "stop";
  BodyMode body = BodyMode::kNormal;
  /// kHuge: exact body size in bytes. Generated in chunks while sending, never held whole.
  std::size_t huge_bytes = std::size_t{64} << 20;
  /// Content-Type of every scripted response (completions and scripted errors alike); empty:
  /// the protocol's own (application/json, text/event-stream, application/x-ndjson...).
  std::string content_type;
  /// A slow trickle of a non-streamed body: when > 0, the body of a kNormal, kMalformed or
  /// kHtml answer is sent chunked (Transfer-Encoding: chunked) in this many near-equal pieces,
  /// the first right after the head and each later one `trickle_delay` after the previous.
  /// Streamed answers trickle with `chunk_latency` instead.
  std::size_t trickle_pieces = 0;
  std::chrono::milliseconds trickle_delay{0};
  /// Error bodies, in the vendor's shape. OpenAI/Azure: `{"error":{"message":error_message,
  /// "type":error_type,"param":null,"code":error_code or null when empty}}`. Anthropic:
  /// `{"type":"error","error":{"type","message"},"request_id"}`, the type being error_type when
  /// it is an Anthropic one, else derived from the status (529 → overloaded_error, 429 →
  /// rate_limit_error, 5xx → api_error...). Gemini: `{"error":{"code":status,"message",
  /// "status"}}`, status being error_type when it is a Google canonical code (e.g.
  /// "RESOURCE_EXHAUSTED"), else derived from the HTTP status. Ollama: `{"error":message}`.
  /// "{model}" in error_message is substituted too.
  std::string error_type = "server_error";
  std::string error_message = "scripted failure";
  std::string error_code;

  // Streaming (see the timeline at the top of this file). Ignored by non-streamed answers and
  // by body modes other than kNormal, and when status >= 400 (errors are never streamed).

  /// How many pieces the text is cut into: 0 = one per word (with the whitespace before it);
  /// N = N pieces of near-equal length (in code points). Tool calls add their own chunks.
  std::size_t chunks = 0;
  /// Between consecutive chunks, and between the last chunk and the epilogue.
  std::chrono::milliseconds chunk_latency{0};
  /// Between the head (with the preamble) and the first content chunk.
  std::chrono::milliseconds stall_before_first_token{0};
  /// Added to the wait between the first and the second chunk.
  std::chrono::milliseconds stall_after_first_token{0};
  /// Set: reset the connection (TCP RST) after this many content chunks. If both this and
  /// `truncate_after_chunks` are set, the smaller count applies, the reset on a tie.
  std::optional<std::size_t> reset_after_chunks;
  /// Set: end the stream cleanly after this many content chunks, without the end marker.
  std::optional<std::size_t> truncate_after_chunks;
};

/// One request as the server received it.
struct RecordedRequest {
  std::string method;
  std::string path;  ///< The request target as sent, query string included.
  /// Header fields in arrival order; names as sent (compare them case-insensitively).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string model;  ///< The model the protocol found in the request; empty if none.
  /// The protocol that served it: "openai", "azure", "anthropic", "gemini", "ollama", "custom";
  /// empty when no protocol serves the path (404).
  std::string protocol;
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
  /// "http://127.0.0.1:<port>": the root, for the other vendors' clients (Anthropic appends
  /// /v1/messages, Gemini /v1beta/models/..., Ollama /api/chat, Azure /openai/deployments/...).
  std::string root_url() const;

  /// Sets the script for `model` (exact, case-sensitive name), replacing any previous one.
  /// Takes effect for requests read after this call returns.
  void SetScript(const std::string& model, ModelScript script);
  /// Scripts in turn: the k-th request for `model` read after this call (0-based) is answered
  /// by scripts[k], every later one by the last (e.g. {503, 503, 200}: fails twice, then
  /// answers). Replaces any script of `model`; an empty list removes them.
  void SetScriptSequence(const std::string& model, std::vector<ModelScript> scripts);
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
  /// Connections waiting on a timer: a delayed response, the next chunk of a stream, a
  /// closing connection's grace period. Drops as soon as such a client hangs up, so tests can
  /// check that a cancelled stream leaves nothing scheduled.
  std::size_t pending_timers() const;
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
/// where <script> has the optional keys latency_ms, slow_every, slow_latency_ms, status,
/// retry_after, text, tool_calls, prompt_tokens, completion_tokens, cached_tokens,
/// reasoning_tokens, finish_reason, body ("normal", "truncated", "malformed", "huge", "empty",
/// "reset", "error", "reset_mid_body", "html"), huge_bytes, content_type, trickle_pieces,
/// trickle_delay_ms, error_type, error_message, error_code (string or null), and for streams
/// chunks, chunk_latency_ms, stall_before_first_token_ms, stall_after_first_token_ms,
/// reset_after_chunks and truncate_after_chunks (non-negative integers or null).
/// tool_calls is an array of {"name": "<non-empty>", "arguments": <JSON object, or a string of
/// JSON object text; default {}>}. Omitted keys keep the `ModelScript` defaults; model scripts
/// do not inherit from "default". Unknown keys are errors.
/// On success fills `*default_script` (ModelScript{} when "default" is absent) and replaces
/// `*models`, and returns true. On failure leaves both untouched, stores a message naming the
/// JSON path in `*error` (e.g. "models.fast.latency_ms: expected a non-negative integer") and
/// returns false. Any output pointer may be null.
bool LoadScriptFile(const std::string& json_text, ModelScript* default_script,
                    std::map<std::string, ModelScript>* models, std::string* error);

}  // namespace prsm::testing

#endif  // PRSM_TESTS_SUPPORT_FAKE_PROVIDER_SERVER_H_
