// Splits a newline-delimited JSON stream (Ollama's native API) into its records. Bytes may
// arrive split anywhere; records end with LF (a CR before it is dropped); blank lines are
// skipped.
//
// Thread safety: none; one splitter per stream.
#ifndef PRSM_STREAM_NDJSON_SPLITTER_H_
#define PRSM_STREAM_NDJSON_SPLITTER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "prsm/status.h"

namespace prsm::stream {

class NdjsonSplitter {
 public:
  explicit NdjsonSplitter(std::size_t max_line_bytes = std::size_t{4} << 20)
      : max_line_bytes_(max_line_bytes) {}

  /// Consumes `bytes` and appends every record they complete to `lines`. Errors: kDataLoss
  /// when one record grows beyond the limit (the splitter is then done).
  Result<void> Feed(std::string_view bytes, std::vector<std::string>& lines);

  /// The unterminated bytes after the last LF; a stream whose last record has no LF ends
  /// with them. Empties the buffer.
  std::string TakeRemainder();

  bool mid_line() const noexcept { return !line_.empty(); }

 private:
  std::size_t max_line_bytes_;
  std::string line_;
};

}  // namespace prsm::stream

#endif  // PRSM_STREAM_NDJSON_SPLITTER_H_
