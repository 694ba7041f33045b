// The resumable output file; see batch_output.h.
#include "batch_output.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

namespace prsm_cli {
namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

bool ParseResultLine(std::string_view line, std::string* id, bool* failed) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseStopWhenDoneFlag>(line.data(), line.size());
  if (doc.HasParseError() || !doc.IsObject()) return false;
  const auto id_it = doc.FindMember("id");
  if (id_it == doc.MemberEnd() || !id_it->value.IsString()) return false;
  id->assign(id_it->value.GetString(), id_it->value.GetStringLength());
  const auto error_it = doc.FindMember("error");
  *failed = error_it != doc.MemberEnd() && !error_it->value.IsNull();
  return true;
}

std::unique_ptr<BatchOutput> BatchOutput::Open(const std::string& path, std::string* error) {
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = Errno("cannot open " + path);
    return nullptr;
  }
  std::unique_ptr<BatchOutput> output(new BatchOutput(fd, path));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    *error = errno == EWOULDBLOCK ? path + " is being written by another prsm batch"
                                  : Errno("cannot lock " + path);
    return nullptr;
  }
  if (!output->ReadExisting(error)) return nullptr;
  return output;
}

BatchOutput::~BatchOutput() { close(fd_); }

bool BatchOutput::ReadExisting(std::string* error) {
  struct stat info {};
  if (fstat(fd_, &info) != 0) {
    *error = Errno("cannot stat " + path_);
    return false;
  }
  if (!S_ISREG(info.st_mode)) {
    *error = path_ + " is not a regular file (resuming needs to read and truncate it)";
    return false;
  }
  std::string text;
  text.resize(static_cast<std::size_t>(info.st_size));
  std::size_t filled = 0;
  while (filled < text.size()) {
    const ssize_t n =
        pread(fd_, text.data() + filled, text.size() - filled, static_cast<off_t>(filled));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = Errno("cannot read " + path_);
      return false;
    }
    if (n == 0) break;  // it shrank meanwhile: we hold the lock, so nobody else did it
    filled += static_cast<std::size_t>(n);
  }
  text.resize(filled);

  const std::size_t last_newline = text.rfind('\n');
  const std::size_t complete = last_newline == std::string::npos ? 0 : last_newline + 1;
  std::size_t start = 0;
  std::size_t line_number = 0;
  while (start < complete) {
    const std::size_t end = text.find('\n', start);
    ++line_number;
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    std::string id;
    bool failed = false;
    if (!ParseResultLine(line, &id, &failed)) {
      *error = path_ + ":" + std::to_string(line_number) +
               ": not a prsm batch result (a JSON object with a string \"id\"); refusing to "
               "append to this file";
      return false;
    }
    ++existing_.lines;
    existing_.done.insert(id);
    if (failed) {
      existing_.failed.insert(id);
    } else {
      existing_.failed.erase(id);
    }
  }
  if (complete < text.size()) {
    if (ftruncate(fd_, static_cast<off_t>(complete)) != 0) {
      *error = Errno("cannot truncate the torn last line of " + path_);
      return false;
    }
    existing_.torn_bytes = text.size() - complete;
  }
  return true;
}

bool BatchOutput::Append(std::string_view line, std::string* error) {
  std::size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = write(fd_, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = Errno("cannot write to " + path_);
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace prsm_cli
