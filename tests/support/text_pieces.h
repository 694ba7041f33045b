// text_pieces.h — how a streamed answer is cut into pieces, the same way for every vendor.
//
// A stream's content chunks are pieces of the scripted text (and of tool-call arguments). The
// cutting is shared so that `chunks` means the same thing in every protocol, and so that no
// piece ever splits a UTF-8 sequence: each piece is embedded in JSON on its own, and half a
// character would make that JSON invalid.
#ifndef PRSM_TESTS_SUPPORT_TEXT_PIECES_H_
#define PRSM_TESTS_SUPPORT_TEXT_PIECES_H_

#include <cstddef>
#include <string_view>
#include <vector>

namespace prsm::testing::fake {

/// Tool-call arguments are streamed (OpenAI, Anthropic) in fragments of at most this many bytes.
inline constexpr std::size_t kArgumentFragmentBytes = 16;

/// Splits `text` into the pieces a stream sends; they concatenate back to `text` exactly.
/// `count` 0: one piece per word, each word with the whitespace before it (as tokens carry their
/// leading space); whitespace after the last word joins the last piece. `count` N > 0: N pieces
/// of as equal a number of code points as possible (fewer pieces if the text has fewer than N
/// code points). Empty text gives no pieces. Invalid UTF-8 is cut as if each stray byte were a
/// code point.
std::vector<std::string_view> SplitText(std::string_view text, std::size_t count);

/// Splits tool-call arguments into fragments of at most kArgumentFragmentBytes bytes (a little
/// more only to finish a UTF-8 sequence). Empty arguments give no fragments.
std::vector<std::string_view> SplitArguments(std::string_view arguments);

}  // namespace prsm::testing::fake

#endif  // PRSM_TESTS_SUPPORT_TEXT_PIECES_H_
