// json/json.h — the one place prsm includes RapidJSON, and how it is configured.
//
// Every prsm source that needs JSON includes this header, never <rapidjson/...> directly, so
// the configuration below is the same in every translation unit (a macro that differed between
// two of them would silently break the one-definition rule for RapidJSON's templates):
//
// - RAPIDJSON_NAMESPACE is `prsm_rapidjson`. A host that uses its own RapidJSON, perhaps a
//   different version or with a different RAPIDJSON_ASSERT, links with a static prsm without
//   two different definitions of `rapidjson::GenericValue<...>` meeting in the linker. Code
//   inside prsm spells it `prsm::json::rapidjson` (an alias) or uses the typedefs below.
// - RAPIDJSON_HAS_STDSTRING is 1.
// - RAPIDJSON_ASSERT throws `prsm::json::AssertionFailure` instead of calling assert(). RapidJSON
//   checks its preconditions (GetString() on a number, operator[] on a missing member, a key
//   written where a value belongs) with RAPIDJSON_ASSERT and carries on into undefined behaviour
//   when the check is compiled out, or aborts the whole host process when it is not. Neither is
//   acceptable inside an embedded library. prsm never relies on it: every read goes through the
//   checked readers of json/json_read.h, which test the type first, so the assertion is
//   unreachable. Should a bug reach it anyway, the exception leaves RapidJSON before any
//   undefined behaviour, and the codec entry points (BuildRequest, ParseResponse, ParseError)
//   catch it and return kInternal; it never crosses prsm's API. The only RapidJSON assertion in a
//   noexcept function is the self-move check of GenericValue::operator=, and prsm never assigns
//   values.
//
// Parsing limits: readers reject JSON nested deeper than kMaxNestingDepth before parsing (so a
// server cannot exhaust the caller's stack through RapidJSON's recursive parser, which is about
// 3x faster than its iterative one), reject NUL bytes and invalid UTF-8 before parsing, and
// reject trailing garbage (RapidJSON's default: the document must be a single value).
#ifndef PRSM_JSON_JSON_H_
#define PRSM_JSON_JSON_H_

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#if defined(RAPIDJSON_RAPIDJSON_H_)
#error "RapidJSON was included before json/json.h; include json/json.h instead"
#endif

namespace prsm::json {

/// What RAPIDJSON_ASSERT throws. Internal: prsm catches it before its API boundary.
class AssertionFailure : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// Throws AssertionFailure naming the failed RapidJSON precondition. Out of line so that the
/// many assertion sites in RapidJSON's templates stay small.
[[noreturn]] void ThrowAssertionFailure(const char* expression);

}  // namespace prsm::json

#define RAPIDJSON_NAMESPACE prsm_rapidjson
#define RAPIDJSON_NAMESPACE_BEGIN namespace prsm_rapidjson {
#define RAPIDJSON_NAMESPACE_END }
#define RAPIDJSON_HAS_STDSTRING 1
#define RAPIDJSON_ASSERT(x) \
  (static_cast<bool>(x) ? static_cast<void>(0) : ::prsm::json::ThrowAssertionFailure(#x))

#include <rapidjson/document.h>
#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace prsm::json {

namespace rapidjson = ::prsm_rapidjson;

using Value = rapidjson::Value;
using Document = rapidjson::Document;
using StringBuffer = rapidjson::StringBuffer;

/// The writer prsm builds request bodies with. Strings go through json::WriteString
/// (json_read.h), which checks UTF-8 first: RapidJSON 1.1.0's own kWriteValidateEncodingFlag
/// reads past the end of a string that ends inside a multi-byte sequence, so it is not used.
/// Construct the writer with an explicit `rapidjson::CrtAllocator*`: without one RapidJSON
/// heap-allocates an allocator object for its level stack.
using Writer = rapidjson::Writer<StringBuffer>;

/// Parse flags for everything prsm reads: iterative (bounded stack), default number precision.
/// Encoding validation is done up front by ParseJson (faster than RapidJSON's per-character
/// check, and it reports the offending byte offset).
/// A Document whose values live in an inline buffer while they fit (a typical API body needs
/// about a kilobyte), so a parse does not allocate RapidJSON's default 64 KiB pool chunk.
/// Large documents spill to the heap as usual. Not copyable or movable: `doc()` points into it.
class PooledDocument {
 public:
  PooledDocument() : pool_(buffer_, sizeof(buffer_)), doc_(&pool_) {}
  PooledDocument(const PooledDocument&) = delete;
  PooledDocument& operator=(const PooledDocument&) = delete;
  Document& doc() noexcept { return doc_; }

 private:
  alignas(alignof(std::max_align_t)) char buffer_[4096];
  rapidjson::MemoryPoolAllocator<> pool_;  // after buffer_, which it uses
  Document doc_;                           // after pool_, which it uses
};

inline constexpr unsigned kParseFlags = rapidjson::kParseDefaultFlags;
/// Deepest nesting of objects and arrays the readers accept. LLM API bodies nest a dozen levels;
/// 128 recursive parser frames are a few tens of KiB of stack.
inline constexpr std::size_t kMaxNestingDepth = 128;

}  // namespace prsm::json

#endif  // PRSM_JSON_JSON_H_
