// prsm CLI: the batch output file, safe against kill -9 and resumable.
//
// Open() takes an exclusive flock (two batches appending to one file would interleave their
// ids), reads the lines already there — each a result of an earlier run, whose id is then done —
// and truncates a torn last line away: bytes after the last '\n' are a line whose write was cut
// short (a process killed during a write that crossed a page boundary, a full disk); its query
// runs again. Append() then writes each finished result as ONE write(2) of the whole line,
// newline included, to an O_APPEND descriptor: a line is in the file whole or is not, and a
// crash loses only results that had not been written yet, which the next run redoes.
//
// Thread safety: one thread. Lifetime: the descriptor (and the lock) close with the object.
// Errors: messages naming the file (and the line, for a line that is not a batch result: the
// file is then refused rather than appended to).
#ifndef PRSM_CLI_BATCH_OUTPUT_H_
#define PRSM_CLI_BATCH_OUTPUT_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

namespace prsm_cli {

/// What an earlier run left in the output file.
struct ExistingOutput {
  std::unordered_set<std::string> done;    ///< Ids with a result line.
  std::unordered_set<std::string> failed;  ///< Those of them whose line has an "error".
  std::size_t lines = 0;                   ///< Complete lines read.
  std::size_t torn_bytes = 0;              ///< Size of the torn last line removed (0: none).
};

class BatchOutput {
 public:
  /// Opens or creates `path` (mode 0644) for appending; see the file comment.
  static std::unique_ptr<BatchOutput> Open(const std::string& path, std::string* error);
  ~BatchOutput();
  BatchOutput(const BatchOutput&) = delete;
  BatchOutput& operator=(const BatchOutput&) = delete;

  const ExistingOutput& existing() const { return existing_; }

  /// Appends `line`, which must end in '\n', with one write(2) (a short write, only possible
  /// on a full disk or a kill, is continued; a torn result is repaired by the next Open()).
  bool Append(std::string_view line, std::string* error);

 private:
  BatchOutput(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  bool ReadExisting(std::string* error);

  int fd_;
  std::string path_;
  ExistingOutput existing_;
};

/// The id of a result line and whether it records an error. False when `line` is not a JSON
/// object with a string "id".
bool ParseResultLine(std::string_view line, std::string* id, bool* failed);

}  // namespace prsm_cli

#endif  // PRSM_CLI_BATCH_OUTPUT_H_
