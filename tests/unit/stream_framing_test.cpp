// SSE and NDJSON framing: the same events whatever way the bytes are split.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "stream/ndjson_splitter.h"
#include "stream/sse_parser.h"

using prsm::stream::NdjsonSplitter;
using prsm::stream::SseEvent;
using prsm::stream::SseParser;

namespace {

std::vector<SseEvent> ParseWhole(std::string_view text) {
  SseParser parser;
  std::vector<SseEvent> events;
  REQUIRE(parser.Feed(text, events));
  CHECK_FALSE(parser.mid_event());
  return events;
}

// Feeds `text` in two pieces split at `cut`, then byte by byte for good measure.
std::vector<SseEvent> ParseSplit(std::string_view text, std::size_t cut) {
  SseParser parser;
  std::vector<SseEvent> events;
  REQUIRE(parser.Feed(text.substr(0, cut), events));
  REQUIRE(parser.Feed(text.substr(cut), events));
  return events;
}

bool Same(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].type != b[i].type || a[i].data != b[i].data || a[i].id != b[i].id) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("SSE: fields, multi-line data, comments, ids and default type", "[stream]") {
  const auto events = ParseWhole(
      ": keep-alive\n"
      "data: {\"a\":1}\n"
      "\n"
      "event: message_start\n"
      "id: 7\n"
      "data: line one\n"
      "data:line two\n"
      "\n"
      "retry: 100\n"
      "\n"  // no data: not dispatched
      "data\n"
      "\n");  // a field with no colon: empty data, dispatched
  REQUIRE(events.size() == 3);
  CHECK(events[0].type == "message");
  CHECK(events[0].data == "{\"a\":1}");
  CHECK(events[1].type == "message_start");
  CHECK(events[1].id == "7");
  CHECK(events[1].data == "line one\nline two");
  CHECK(events[2].data.empty());
}

TEST_CASE("SSE: CRLF, CR and LF line ends are all line ends", "[stream]") {
  const auto lf = ParseWhole("data: x\n\ndata: y\n\n");
  const auto crlf = ParseWhole("data: x\r\n\r\ndata: y\r\n\r\n");
  const auto cr = ParseWhole("data: x\r\rdata: y\r\r");
  REQUIRE(lf.size() == 2);
  CHECK(Same(lf, crlf));
  CHECK(Same(lf, cr));
}

TEST_CASE("SSE: every split of a stream gives the same events", "[stream]") {
  const std::string stream =
      "\xEF\xBB\xBF"  // a byte order mark, allowed at the start
      "event: content_block_delta\r\n"
      "data: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"h\xC3\xA9llo\"}}\r\n"
      "\r\n"
      ": ping\n"
      "data: {\"choices\":[]}\n"
      "data: second line\n"
      "\n"
      "data: [DONE]\r\r";
  const auto whole = ParseWhole(stream);
  REQUIRE(whole.size() == 3);
  CHECK(whole[0].type == "content_block_delta");
  CHECK(whole[2].data == "[DONE]");
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    INFO("split at byte " << cut);
    CHECK(Same(ParseSplit(stream, cut), whole));
  }
  SseParser bytewise;
  std::vector<SseEvent> events;
  for (char c : stream) REQUIRE(bytewise.Feed(std::string_view(&c, 1), events));
  CHECK(Same(events, whole));
}

TEST_CASE("SSE: a stream cut inside an event is noticed", "[stream]") {
  SseParser parser;
  std::vector<SseEvent> events;
  REQUIRE(parser.Feed("data: {\"partial\"", events));
  CHECK(parser.mid_event());
  CHECK(events.empty());
  REQUIRE(parser.Feed(":true}\n", events));
  CHECK(parser.mid_event());  // a field line but no dispatching blank line yet
  REQUIRE(parser.Feed("\n", events));
  CHECK_FALSE(parser.mid_event());
  CHECK(events.size() == 1);
}

TEST_CASE("SSE: an event over the size limit is an error, not memory growth", "[stream]") {
  SseParser parser(1024);
  std::vector<SseEvent> events;
  const std::string big(600, 'x');
  REQUIRE(parser.Feed("data: " + big + "\n", events));
  auto over = parser.Feed("data: " + big + "\n", events);
  REQUIRE_FALSE(over);
  CHECK(over.error().code() == prsm::ErrorCode::kDataLoss);
}

TEST_CASE("NDJSON: every split gives the same records; blank lines and CRs are dropped",
          "[stream]") {
  const std::string stream =
      "{\"message\":{\"content\":\"h\xC3\xA9\"},\"done\":false}\n"
      "\r\n"
      "{\"message\":{\"content\":\"llo\"},\"done\":false}\r\n"
      "{\"done\":true,\"eval_count\":2}";
  const std::vector<std::string> expected = {
      "{\"message\":{\"content\":\"h\xC3\xA9\"},\"done\":false}",
      "{\"message\":{\"content\":\"llo\"},\"done\":false}", "{\"done\":true,\"eval_count\":2}"};
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    INFO("split at byte " << cut);
    NdjsonSplitter splitter;
    std::vector<std::string> lines;
    REQUIRE(splitter.Feed(std::string_view(stream).substr(0, cut), lines));
    REQUIRE(splitter.Feed(std::string_view(stream).substr(cut), lines));
    CHECK(splitter.mid_line());  // the last record has no LF
    lines.push_back(splitter.TakeRemainder());
    CHECK(lines == expected);
    CHECK_FALSE(splitter.mid_line());
  }
}

TEST_CASE("NDJSON: a record over the size limit is an error", "[stream]") {
  NdjsonSplitter splitter(100);
  std::vector<std::string> lines;
  auto over = splitter.Feed(std::string(150, 'x'), lines);
  REQUIRE_FALSE(over);
  CHECK(over.error().code() == prsm::ErrorCode::kDataLoss);
}
