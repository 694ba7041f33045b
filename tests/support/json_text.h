// json_text.h — the little JSON writing the fake needs, done by hand for speed: response bodies
// are mostly fixed text around a few values, so string appends beat building a DOM per request.
#ifndef PRSM_TESTS_SUPPORT_JSON_TEXT_H_
#define PRSM_TESTS_SUPPORT_JSON_TEXT_H_

#include <string>
#include <string_view>

namespace prsm::testing::fake {

/// Appends `text` as a JSON string literal, quotes included. Escapes '"', '\\' and every control
/// character (U+0000..U+001F, U+007F); other bytes pass through, so UTF-8 stays UTF-8.
void AppendJsonString(std::string_view text, std::string* out);

/// Appends `text` as a JSON string literal, or `null` when it is empty.
void AppendJsonStringOrNull(std::string_view text, std::string* out);

/// `text` with every occurrence of `from` replaced by `to` (`from` must not be empty).
std::string ReplaceAll(std::string_view text, std::string_view from, std::string_view to);

}  // namespace prsm::testing::fake

#endif  // PRSM_TESTS_SUPPORT_JSON_TEXT_H_
