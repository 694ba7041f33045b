// recording_provider.h — a Provider that wraps another and remembers the last exchange.
//
// prsm reports a rejected request as an Error; a conformance test also wants the server's own
// words (Prism's list of validation failures), and the body prsm sent. Wrapping the codec is
// how a host would do it too: the orchestrator only sees a Provider.
//
// Thread safety: the orchestrator calls the methods on its loop thread while the test thread
// reads last(); a mutex guards the record.
#ifndef PRSM_TESTS_CONFORMANCE_RECORDING_PROVIDER_H_
#define PRSM_TESTS_CONFORMANCE_RECORDING_PROVIDER_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "prsm/provider.h"

namespace prsm::conformance {

/// One request and what came back for it.
struct Exchange {
  std::string url;
  std::string request_body;
  int status = 0;  ///< 0 until a response arrived.
  std::string response_body;
  std::string response_content_type;
};

class RecordingProvider final : public Provider {
 public:
  explicit RecordingProvider(std::shared_ptr<const Provider> inner);

  /// While set, every request is built as a streaming one, so a server that only validates
  /// bodies (Prism cannot stream) checks the streaming form through the plain Process() path.
  void set_force_stream(bool force) { force_stream_ = force; }

  /// Non-empty: send this body instead of the codec's (with the codec's URL and headers), for
  /// negative controls. Set it before the orchestrator may call BuildRequest.
  void set_body_override(std::string body) { body_override_ = std::move(body); }

  std::string_view id() const noexcept override { return inner_->id(); }
  Result<HttpRequest> BuildRequest(const CompletionRequest& request) const override;
  Result<Completion> ParseResponse(const HttpResponse& response) const override;
  Error ParseError(const HttpResponse& response, Error mapped) const override;
  std::unique_ptr<StreamDecoder> NewStreamDecoder() const override;

  /// The latest exchange (requests are sent one at a time by the tests).
  Exchange last() const;

 private:
  void Record(const HttpResponse& response) const;

  std::shared_ptr<const Provider> inner_;
  std::atomic<bool> force_stream_{false};
  std::string body_override_;
  mutable std::mutex mutex_;
  mutable Exchange last_;
};

}  // namespace prsm::conformance

#endif  // PRSM_TESTS_CONFORMANCE_RECORDING_PROVIDER_H_
