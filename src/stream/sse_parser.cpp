#include "stream/sse_parser.h"

#include <fmt/format.h>

namespace prsm::stream {

Result<void> SseParser::Feed(std::string_view bytes, std::vector<SseEvent>& events) {
  if (at_stream_start_ && !bytes.empty()) {
    // Skip a byte order mark, even one split across calls ("\xEF\xBB\xBF").
    static constexpr std::string_view kBom = "\xEF\xBB\xBF";
    std::string_view seen = line_;
    const std::size_t take = std::min(kBom.size() - seen.size(), bytes.size());
    const std::string candidate = std::string(seen) + std::string(bytes.substr(0, take));
    if (kBom.substr(0, candidate.size()) == candidate) {
      bytes.remove_prefix(take);
      if (candidate.size() < kBom.size()) {
        line_ = candidate;  // still undecided
        return {};
      }
      line_.clear();
      at_stream_start_ = false;
    } else {
      at_stream_start_ = false;
      // line_ held a partial BOM that turned out not to be one: it is ordinary text.
    }
  }
  std::size_t i = 0;
  while (i < bytes.size()) {
    const char c = bytes[i];
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') {  // the LF of a CRLF whose CR ended the previous line
        ++i;
        continue;
      }
    }
    if (c == '\r' || c == '\n') {
      after_cr_ = c == '\r';
      if (auto done = ProcessLine(events); !done) return done;
      line_.clear();
      ++i;
      continue;
    }
    // Append the run up to the next line end in one go.
    std::size_t end = bytes.find_first_of("\r\n", i);
    if (end == std::string_view::npos) end = bytes.size();
    if (line_.size() + (end - i) + pending_.data.size() > max_event_bytes_) {
      return Error(ErrorCode::kDataLoss,
                   fmt::format("a server-sent event exceeds {} bytes", max_event_bytes_));
    }
    line_.append(bytes.data() + i, end - i);
    i = end;
  }
  return {};
}

Result<void> SseParser::ProcessLine(std::vector<SseEvent>& events) {
  if (line_.empty()) {
    // Dispatch. An event without data is dropped, but its fields are reset all the same.
    if (data_seen_) {
      events.push_back(std::move(pending_));
    }
    pending_ = SseEvent{};
    has_fields_ = false;
    data_seen_ = false;
    return {};
  }
  if (line_.front() == ':') return {};  // a comment, e.g. a keep-alive
  std::string_view line = line_;
  std::string_view field = line;
  std::string_view value;
  if (const std::size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  has_fields_ = true;
  if (field == "data") {
    if (data_seen_) pending_.data.push_back('\n');
    pending_.data.append(value);
    data_seen_ = true;
  } else if (field == "event") {
    pending_.type = std::string(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) pending_.id = std::string(value);
  }
  // "retry" and unknown fields are ignored, as the standard says.
  return {};
}

}  // namespace prsm::stream
