// protocol.h — one vendor wire format (OpenAI, Azure OpenAI, Anthropic, Gemini, Ollama),
// isolated from HTTP transport and from scripting.
//
// A protocol answers four questions: which paths are mine, what did this request ask for
// (model, options, or why it is invalid), how do a completion, an error and a broken body look
// in my format, and how does a completion look streamed. Everything else — latency, status, body
// modes, stream timing, resets and truncation, counting — is shared (provider_handler,
// scripted_response), so adding a vendor is one new Protocol subclass.
#ifndef PRSM_TESTS_SUPPORT_PROTOCOL_H_
#define PRSM_TESTS_SUPPORT_PROTOCOL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fake_provider_server.h"
#include "http_message.h"

namespace prsm::testing::fake {

/// An error to render in the vendor's error format. `type` is a hint in OpenAI's vocabulary
/// (the script's `error_type`); a vendor with another vocabulary keeps it only when it is one of
/// its own words and otherwise derives its word from `status`.
struct ApiError {
  int status = 400;
  std::string type = "invalid_request_error";
  std::string message;
  std::string param;      ///< Empty → null.
  std::string code;       ///< Empty → null.
  std::uint64_t seq = 0;  ///< The response's number, for bodies that carry a request id; 0: none.
};

/// Request options the renderer honours. Protocols ignore the ones they lack.
struct CallOptions {
  bool stream = false;         ///< Answer as a stream (SSE, NDJSON or a JSON array).
  bool include_usage = false;  ///< OpenAI `stream_options.include_usage`.
  bool json_array = false;     ///< Gemini streamGenerateContent without `alt=sse`.
  bool logprobs = false;
  int top_logprobs = 0;  ///< 0..20; only with logprobs.
};

/// What a protocol understood from a request.
struct DecodedCall {
  std::string model;  ///< Filled whenever the request named a model, even if `error` is set.
  CallOptions options;
  std::optional<ApiError> error;  ///< Set: answer this instead of a scripted response.
};

/// The content of a successful completion, ready to render.
struct Completion {
  std::uint64_t seq = 0;     ///< Unique per response; protocols derive ids from it.
  std::int64_t created = 0;  ///< Unix seconds.
  std::string_view model;
  std::string_view text;                ///< "{model}" already substituted.
  const ModelScript* script = nullptr;  ///< Tokens, finish reason, tool calls. Never null.
  CallOptions options;
};

/// A completion rendered as a stream, cut where the shared timing applies: the preamble goes
/// out with the response head, each chunk after its scripted delay, the epilogue last. A stream
/// truncated or reset after N chunks sends the preamble and the first N chunks only.
struct RenderedStream {
  /// Sent with the head, before any content (OpenAI's role delta; Anthropic's message_start,
  /// text content_block_start and ping). May be empty.
  std::string preamble;
  /// The content chunks in order: one per text piece and per tool-call piece (how a tool call
  /// is cut is the vendor's: see each protocol). Each is complete events/records.
  std::vector<std::string> chunks;
  /// Finish reason, usage and the end marker ([DONE], message_stop, done:true, "]").
  std::string epilogue;
};

class Protocol {
 public:
  virtual ~Protocol() = default;

  /// Short name, recorded with each request ("openai", "azure", "anthropic", ...).
  virtual std::string_view name() const = 0;
  /// True if `path` (query already removed) is one of this protocol's endpoints.
  virtual bool Serves(std::string_view path) const = 0;
  /// The one method the endpoints accept; other methods get 405 with `Allow: <method>`.
  virtual std::string_view method() const = 0;
  /// Validates the request the way the vendor would, and extracts model and options.
  virtual DecodedCall Decode(const HttpRequest& request) const = 0;
  /// The Content-Type the vendor sends for a completion requested with `options`.
  virtual std::string_view ContentType(const CallOptions& options) const = 0;
  /// A successful, non-streamed response body.
  virtual std::string RenderCompletion(const Completion& completion) const = 0;
  /// A successful response as a stream; `text_pieces` cut `completion.text` (SplitText).
  virtual RenderedStream RenderStream(const Completion& completion,
                                      const std::vector<std::string_view>& text_pieces) const = 0;
  /// An error response body.
  virtual std::string RenderError(const ApiError& error) const = 0;
  /// A body that starts like a real response but is not valid JSON (BodyMode::kMalformed).
  virtual std::string MalformedBody() const = 0;
};

}  // namespace prsm::testing::fake

#endif  // PRSM_TESTS_SUPPORT_PROTOCOL_H_
