#include "recording_provider.h"

#include <utility>

namespace prsm::conformance {

RecordingProvider::RecordingProvider(std::shared_ptr<const Provider> inner)
    : inner_(std::move(inner)) {}

Result<HttpRequest> RecordingProvider::BuildRequest(const CompletionRequest& request) const {
  Result<HttpRequest> built = [&] {
    if (!force_stream_) return inner_->BuildRequest(request);
    CompletionRequest streaming = request;
    streaming.stream = true;
    return inner_->BuildRequest(streaming);
  }();
  if (built && !body_override_.empty()) built->body = body_override_;
  std::lock_guard<std::mutex> lock(mutex_);
  last_ = Exchange{};
  if (built) {
    last_.url = built->url;
    last_.request_body = built->body;
  }
  return built;
}

void RecordingProvider::Record(const HttpResponse& response) const {
  std::lock_guard<std::mutex> lock(mutex_);
  last_.status = response.status;
  last_.response_body = response.body;
  last_.response_content_type = std::string(response.Header("content-type"));
}

Result<Completion> RecordingProvider::ParseResponse(const HttpResponse& response) const {
  Record(response);
  return inner_->ParseResponse(response);
}

Error RecordingProvider::ParseError(const HttpResponse& response, Error mapped) const {
  Record(response);
  return inner_->ParseError(response, std::move(mapped));
}

std::unique_ptr<StreamDecoder> RecordingProvider::NewStreamDecoder() const {
  return inner_->NewStreamDecoder();
}

Exchange RecordingProvider::last() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_;
}

}  // namespace prsm::conformance
