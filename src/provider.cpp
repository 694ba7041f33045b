// Out-of-line virtual destructors (one vtable per interface) and HttpResponse::Header.
#include "prsm/provider.h"

#include <strings.h>

namespace prsm {

std::string_view HttpResponse::Header(std::string_view name) const noexcept {
  for (const HttpHeader& header : headers) {
    if (header.name.size() == name.size() &&
        strncasecmp(header.name.data(), name.data(), name.size()) == 0) {
      return header.value;
    }
  }
  return {};
}

Provider::~Provider() = default;

Error Provider::ParseError(const HttpResponse& /*response*/, Error mapped) const { return mapped; }

std::unique_ptr<StreamDecoder> Provider::NewStreamDecoder() const { return nullptr; }

StreamDecoder::~StreamDecoder() = default;

InProcessProvider::~InProcessProvider() = default;

}  // namespace prsm
