// provider_handler.h — routes HTTP requests to vendor protocols and answers them from scripts.
//
// The glue between transport and vendors: find the Protocol serving the path (404 if none,
// 405 for another method), let it decode the request, count and record it, then render the
// model's script (scripted_response) or the protocol's validation error.
#ifndef PRSM_TESTS_SUPPORT_PROVIDER_HANDLER_H_
#define PRSM_TESTS_SUPPORT_PROVIDER_HANDLER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http_server.h"
#include "protocol.h"
#include "provider_state.h"

namespace prsm::testing::fake {

/// Runs on the loop thread; `state` is shared with other threads and must outlive it.
class ProviderHandler final : public HttpHandler {
 public:
  explicit ProviderHandler(ProviderState* state);

  HttpResponse Handle(HttpRequest request) override;
  HttpResponse RenderHttpError(int status, const std::string& message) override;

 private:
  const Protocol* FindProtocol(std::string_view path) const;
  /// Counts the request for `model` and returns its script (moves the request's contents into
  /// the recording, with the name of `protocol`, if any).
  std::shared_ptr<const ModelScript> Admit(const Protocol* protocol, const std::string& model,
                                           HttpRequest* request);

  ProviderState* const state_;
  /// The first protocol also formats errors for paths no protocol serves.
  std::vector<std::unique_ptr<Protocol>> protocols_;
};

}  // namespace prsm::testing::fake

#endif  // PRSM_TESTS_SUPPORT_PROVIDER_HANDLER_H_
