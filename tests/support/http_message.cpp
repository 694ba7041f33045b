#include "http_message.h"

#include <cstdio>

namespace prsm::testing::fake {
namespace {

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Appends `value` with CR and LF replaced by spaces: scripted header values are arbitrary
// strings, and a newline in one would split the header section and desynchronise the client.
void AppendFieldValue(std::string_view value, std::string* out) {
  for (char c : value) out->push_back((c == '\r' || c == '\n') ? ' ' : c);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

const std::string* HttpRequest::FindHeader(std::string_view name) const {
  for (const auto& [field, value] : headers) {
    if (EqualsIgnoreCase(field, name)) return &value;
  }
  return nullptr;
}

std::optional<std::string> HttpRequest::QueryParameter(std::string_view name) const {
  const std::size_t question = target.find('?');
  if (question == std::string::npos) return std::nullopt;
  std::string_view query = std::string_view(target).substr(question + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    const std::string_view raw =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    std::string value;
    value.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
      const int high = raw[i] == '%' && i + 2 < raw.size() ? HexValue(raw[i + 1]) : -1;
      const int low = high >= 0 ? HexValue(raw[i + 2]) : -1;
      if (low >= 0) {
        value.push_back(static_cast<char>(high * 16 + low));
        i += 2;
      } else {
        value.push_back(raw[i]);
      }
    }
    return value;
  }
  return std::nullopt;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    case 529:
      return "Site Overloaded";
    default:
      return "Unknown";
  }
}

void AppendResponseHead(const HttpResponse& response, bool keep_alive, bool chunked,
                        std::string_view date, std::uint64_t seq, std::string* out) {
  const int status = (response.status >= 100 && response.status <= 599) ? response.status : 500;
  out->append("HTTP/1.1 ");
  out->append(std::to_string(status));
  out->push_back(' ');
  out->append(ReasonPhrase(status));
  out->append("\r\nDate: ");
  out->append(date);
  if (!response.timed) {
    out->append("\r\nContent-Length: ");
    out->append(std::to_string(response.announced_length.value_or(response.actual_length())));
  } else if (chunked) {
    out->append("\r\nTransfer-Encoding: chunked");
  }
  out->append("\r\nx-request-id: req_");
  out->append(std::to_string(seq));
  out->append(keep_alive ? "\r\nConnection: keep-alive\r\n" : "\r\nConnection: close\r\n");
  for (const auto& [name, value] : response.headers) {
    AppendFieldValue(name, out);
    out->append(": ");
    AppendFieldValue(value, out);
    out->append("\r\n");
  }
  out->append("\r\n");
}

void AppendChunk(std::string_view data, std::string* out) {
  if (data.empty()) return;
  static constexpr char kHex[] = "0123456789abcdef";
  char size[2 * sizeof(std::size_t)];
  std::size_t digits = 0;
  for (std::size_t n = data.size(); n != 0; n >>= 4) size[digits++] = kHex[n & 0xf];
  while (digits != 0) out->push_back(size[--digits]);
  out->append("\r\n");
  out->append(data);
  out->append("\r\n");
}

std::string_view HttpDateCache::Get() {
  const std::time_t now = std::time(nullptr);
  if (now != formatted_for_) {
    // Formatted by hand rather than with strftime: %a and %b follow LC_TIME, and a host
    // program that calls setlocale() must not turn our Date header into another language.
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buffer[64];
    const int n = std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                                kDays[utc.tm_wday % 7], utc.tm_mday, kMonths[utc.tm_mon % 12],
                                utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
    text_.assign(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
    formatted_for_ = now;
  }
  return text_;
}

}  // namespace prsm::testing::fake
