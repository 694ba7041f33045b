#include "stream/ndjson_splitter.h"

#include <fmt/format.h>

namespace prsm::stream {
namespace {

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

Result<void> NdjsonSplitter::Feed(std::string_view bytes, std::vector<std::string>& lines) {
  while (!bytes.empty()) {
    const std::size_t newline = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, newline);
    if (line_.size() + piece.size() > max_line_bytes_) {
      return Error(ErrorCode::kDataLoss,
                   fmt::format("an NDJSON record exceeds {} bytes", max_line_bytes_));
    }
    line_.append(piece);
    if (newline == std::string_view::npos) break;
    bytes.remove_prefix(newline + 1);
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (!IsBlank(line_)) lines.push_back(std::move(line_));
    line_.clear();
  }
  return {};
}

std::string NdjsonSplitter::TakeRemainder() {
  std::string rest = std::move(line_);
  line_.clear();
  if (!rest.empty() && rest.back() == '\r') rest.pop_back();
  return IsBlank(rest) ? std::string() : rest;
}

}  // namespace prsm::stream
