// libFuzzer target: the SSE parser (stream/sse_parser.h). The input is fed whole and in
// data-driven pieces, with the default limit and with a small one taken from the input's hash:
// both feeds must give the same events, the same outcome and the same mid_event().
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "stream/sse_parser.h"

namespace {

struct Parsed {
  std::string events;
  bool ok = true;
  bool mid_event = false;
};

Parsed Parse(const std::vector<std::string_view>& pieces, std::size_t limit) {
  prsm::stream::SseParser parser(limit);
  std::vector<prsm::stream::SseEvent> events;
  Parsed parsed;
  for (const std::string_view piece : pieces) {
    prsm::Result<void> fed = parser.Feed(piece, events);
    if (!fed) {
      prsm::fuzz::CheckError(fed.error(), {}, "SseParser::Feed");
      PRSM_FUZZ_CHECK(fed.error().code() == prsm::ErrorCode::kDataLoss, fed.error().ToString());
      parsed.ok = false;
      break;
    }
  }
  for (const prsm::stream::SseEvent& event : events) {
    // Dispatched data never holds more than the limit, and types hold no line end.
    PRSM_FUZZ_CHECK(event.data.size() <= limit, event.data);
    PRSM_FUZZ_CHECK(event.type.find_first_of("\r\n") == std::string::npos, event.type);
    parsed.events += event.type + '\x1f' + event.id + '\x1f' + event.data + '\x1e';
  }
  parsed.mid_event = parsed.ok && parser.mid_event();
  return parsed;
}

void Compare(std::string_view input, std::size_t limit) {
  const Parsed whole = Parse({input}, limit);
  const Parsed split = Parse(prsm::fuzz::SplitInput(input), limit);
  PRSM_FUZZ_CHECK(whole.events == split.events, "events differ by split");
  PRSM_FUZZ_CHECK(whole.ok == split.ok, "outcome differs by split");
  PRSM_FUZZ_CHECK(whole.mid_event == split.mid_event, "mid_event differs by split");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = prsm::fuzz::AsText(data, size);
  Compare(input, std::size_t{4} << 20);
  Compare(input, 8 + prsm::fuzz::Hash(input) % 120);
  return 0;
}
