// protocol.h — one vendor wire format (OpenAI, later Anthropic, Gemini, Ollama), isolated from
// HTTP transport and from scripting.
//
// A protocol answers three questions: which paths are mine, what did this request ask for
// (model, options, or why it is invalid), and how do a completion, an error and a broken body
// look in my format. Everything else — latency, status, body modes, counting — is shared
// (provider_handler, scripted_response), so adding a vendor is one new Protocol subclass.
#ifndef PRSM_TESTS_SUPPORT_PROTOCOL_H_
#define PRSM_TESTS_SUPPORT_PROTOCOL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fake_provider_server.h"
#include "http_message.h"

namespace prsm::testing::fake {

/// An error in the vendor's error format.
struct ApiError {
  int status = 400;
  std::string type = "invalid_request_error";
  std::string message;
  std::string param;  ///< Empty → null.
  std::string code;   ///< Empty → null.
};

/// Request options the renderer honours. Protocols ignore the ones they lack.
struct CallOptions {
  bool stream = false;
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
  const ModelScript* script = nullptr;  ///< Token counts, finish reason. Never null.
  CallOptions options;
};

class Protocol {
 public:
  virtual ~Protocol() = default;

  /// Short name for messages ("openai").
  virtual std::string_view name() const = 0;
  /// True if `path` (query already removed) is one of this protocol's endpoints.
  virtual bool Serves(std::string_view path) const = 0;
  /// The one method the endpoints accept; other methods get 405 with `Allow: <method>`.
  virtual std::string_view method() const = 0;
  /// Validates the request the way the vendor would, and extracts model and options.
  virtual DecodedCall Decode(const HttpRequest& request) const = 0;
  /// A successful response body.
  virtual std::string RenderCompletion(const Completion& completion) const = 0;
  /// An error response body.
  virtual std::string RenderError(const ApiError& error) const = 0;
  /// A body that starts like a real response but is not valid JSON (BodyMode::kMalformed).
  virtual std::string MalformedBody() const = 0;
};

}  // namespace prsm::testing::fake

#endif  // PRSM_TESTS_SUPPORT_PROTOCOL_H_
