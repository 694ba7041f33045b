// Incremental parser of text/event-stream (server-sent events), the framing of OpenAI's,
// Anthropic's and Gemini's streaming responses.
//
// Follows the WHATWG HTML "event stream interpretation": lines end with CRLF, LF or CR; a line
// "field: value" sets a field (one space after the colon is dropped); lines starting with ':'
// are comments; `data` lines join with '\n'; an empty line dispatches the event, unless it has
// no data. Bytes may arrive split anywhere, a CRLF across two calls included.
//
// Thread safety: none; one parser per stream.
#ifndef PRSM_STREAM_SSE_PARSER_H_
#define PRSM_STREAM_SSE_PARSER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "prsm/status.h"

namespace prsm::stream {

struct SseEvent {
  std::string type = "message";  ///< The `event:` field, "message" when absent.
  std::string data;              ///< The `data:` lines joined with '\n'.
  std::string id;                ///< The `id:` field, empty when absent.
};

class SseParser {
 public:
  /// `max_event_bytes` bounds what one line or one event may buffer.
  explicit SseParser(std::size_t max_event_bytes = std::size_t{4} << 20)
      : max_event_bytes_(max_event_bytes) {}

  /// Consumes `bytes` and appends every event they complete to `events`. Errors: kDataLoss when
  /// a line or an event grows beyond the limit (the parser is then done).
  Result<void> Feed(std::string_view bytes, std::vector<SseEvent>& events);

  /// True when the bytes fed so far end inside an event (some field seen or a line begun but
  /// no dispatching empty line yet): a stream that stops now was cut short.
  bool mid_event() const noexcept {
    return !line_.empty() || !pending_.data.empty() || has_fields_;
  }

 private:
  Result<void> ProcessLine(std::vector<SseEvent>& events);

  std::size_t max_event_bytes_;
  std::string line_;  // the current, unterminated line
  SseEvent pending_;  // fields of the event being built
  bool has_fields_ = false;
  bool data_seen_ = false;       // at least one data line (data itself may be empty)
  bool after_cr_ = false;        // the previous byte was a CR: a following LF belongs to it
  bool at_stream_start_ = true;  // a UTF-8 byte order mark may open the stream
};

}  // namespace prsm::stream

#endif  // PRSM_STREAM_SSE_PARSER_H_
