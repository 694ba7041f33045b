// libFuzzer target: the NDJSON splitter (stream/ndjson_splitter.h). The input is fed whole and in
// data-driven pieces, with the default limit and with a small one taken from the input's hash:
// both feeds must give the same records, outcome and remainder, and no record holds an LF.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "stream/ndjson_splitter.h"

namespace {

struct Split {
  std::string records;
  bool ok = true;
  std::string remainder;
};

Split Run(const std::vector<std::string_view>& pieces, std::size_t limit) {
  prsm::stream::NdjsonSplitter splitter(limit);
  std::vector<std::string> lines;
  Split split;
  for (const std::string_view piece : pieces) {
    prsm::Result<void> fed = splitter.Feed(piece, lines);
    if (!fed) {
      prsm::fuzz::CheckError(fed.error(), {}, "NdjsonSplitter::Feed");
      PRSM_FUZZ_CHECK(fed.error().code() == prsm::ErrorCode::kDataLoss, fed.error().ToString());
      split.ok = false;
      break;
    }
  }
  for (const std::string& line : lines) {
    PRSM_FUZZ_CHECK(line.find('\n') == std::string::npos, line);
    PRSM_FUZZ_CHECK(!line.empty(), "an empty record");
    PRSM_FUZZ_CHECK(line.size() <= limit, line);
    split.records += line + '\x1e';
  }
  if (split.ok) {
    const bool mid_line = splitter.mid_line();
    split.remainder = splitter.TakeRemainder();
    PRSM_FUZZ_CHECK(mid_line || split.remainder.empty(), split.remainder);
    PRSM_FUZZ_CHECK(!splitter.mid_line(), "TakeRemainder left bytes behind");
  }
  return split;
}

void Compare(std::string_view input, std::size_t limit) {
  const Split whole = Run({input}, limit);
  const Split split = Run(prsm::fuzz::SplitInput(input), limit);
  PRSM_FUZZ_CHECK(whole.records == split.records, "records differ by split");
  PRSM_FUZZ_CHECK(whole.ok == split.ok, "outcome differs by split");
  PRSM_FUZZ_CHECK(whole.remainder == split.remainder, "remainder differs by split");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = prsm::fuzz::AsText(data, size);
  Compare(input, std::size_t{4} << 20);
  Compare(input, 8 + prsm::fuzz::Hash(input) % 120);
  return 0;
}
