#include "provider_handler.h"

#include <ctime>
#include <utility>

#include "anthropic_protocol.h"
#include "azure_protocol.h"
#include "custom_protocol.h"
#include "gemini_protocol.h"
#include "ollama_protocol.h"
#include "openai_protocol.h"
#include "scripted_response.h"

namespace prsm::testing::fake {

ProviderHandler::ProviderHandler(ProviderState* state) : state_(state) {
  // New vendors are registered here, one line each.
  protocols_.push_back(std::make_unique<OpenAiProtocol>());
  protocols_.push_back(std::make_unique<AzureOpenAiProtocol>());
  protocols_.push_back(std::make_unique<AnthropicProtocol>());
  protocols_.push_back(std::make_unique<GeminiProtocol>());
  protocols_.push_back(std::make_unique<OllamaProtocol>());
  protocols_.push_back(std::make_unique<CustomProtocol>());
}

const Protocol* ProviderHandler::FindProtocol(std::string_view path) const {
  for (const auto& protocol : protocols_) {
    if (protocol->Serves(path)) return protocol.get();
  }
  return nullptr;
}

std::shared_ptr<const ModelScript> ProviderHandler::Admit(const Protocol* protocol,
                                                          const std::string& model,
                                                          HttpRequest* request) {
  RecordedRequest record;
  if (state_->recording()) {
    record.method = std::move(request->method);
    record.path = std::move(request->target);
    record.headers = std::move(request->headers);
    record.body = std::move(request->body);
    record.model = model;
    if (protocol != nullptr) record.protocol = std::string(protocol->name());
  }
  return state_->Admit(model, std::move(record));
}

HttpResponse ProviderHandler::Handle(HttpRequest request) {
  const Protocol* protocol = FindProtocol(request.path);
  if (protocol == nullptr) {
    ApiError error;
    error.status = 404;
    error.message = "Invalid URL (" + request.method + " " + request.path + ")";
    error.seq = request.seq;
    Admit(nullptr, "", &request);
    return RenderApiError(*protocols_.front(), error);
  }
  if (request.method != protocol->method()) {
    ApiError error;
    error.status = 405;
    error.message = "Method " + request.method + " not allowed for " + request.path + "; use " +
                    std::string(protocol->method()) + ".";
    error.seq = request.seq;
    Admit(protocol, "", &request);
    HttpResponse response = RenderApiError(*protocol, error);
    response.headers.emplace_back("Allow", std::string(protocol->method()));
    return response;
  }

  DecodedCall call = protocol->Decode(request);
  const std::uint64_t seq = request.seq;
  const std::shared_ptr<const ModelScript> script = Admit(protocol, call.model, &request);
  if (call.error) {
    call.error->seq = seq;
    return RenderApiError(*protocol, *call.error);
  }
  return RenderScripted(*protocol, *script, call, seq,
                        static_cast<std::int64_t>(std::time(nullptr)));
}

HttpResponse ProviderHandler::RenderHttpError(int status, const std::string& message) {
  ApiError error;
  error.status = status;
  error.type = status >= 500 ? "server_error" : "invalid_request_error";
  error.message = message;
  HttpResponse response = RenderApiError(*protocols_.front(), error);
  response.close = true;
  return response;
}

}  // namespace prsm::testing::fake
