#include "source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace pm2guard::lint {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

void strip_bom(std::string& s) {
  if (s.compare(0, kBom.size(), kBom) == 0) s.erase(0, kBom.size());
}

std::vector<uint32_t> index_lines(std::string_view text) {
  std::vector<uint32_t> starts;
  starts.reserve(text.size() / 32 + 1);
  starts.push_back(0);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts.push_back(static_cast<uint32_t>(i + 1));
  }
  return starts;
}

}  // namespace

size_t utf8_sequence(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  auto cont = [&](size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
    return k < s.size() && b(k) >= lo && b(k) <= hi;
  };
  if (i >= s.size()) return 0;
  unsigned c = b(i);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c == 0xE0) return cont(i + 1, 0xA0) && cont(i + 2) ? 3 : 0;
  if (c == 0xED) return cont(i + 1, 0x80, 0x9F) && cont(i + 2) ? 3 : 0;
  if (c >= 0xE1 && c <= 0xEF) return cont(i + 1) && cont(i + 2) ? 3 : 0;
  if (c == 0xF0) return cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (c == 0xF4) return cont(i + 1, 0x80, 0x8F) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  return 0;
}

SourceFile SourceFile::from_string(std::string path, std::string contents) {
  SourceFile f;
  f.path = std::move(path);
  f.text = std::move(contents);
  strip_bom(f.text);
  f.line_starts = index_lines(f.text);
  return f;
}

std::pair<uint32_t, uint32_t> SourceFile::line_col(uint32_t offset) const {
  offset = std::min(offset, static_cast<uint32_t>(text.size()));
  if (line_starts.empty()) return {1, offset + 1};
  auto it = std::upper_bound(line_starts.begin(), line_starts.end(), offset);
  size_t line = static_cast<size_t>(it - line_starts.begin());  // 1-based: it is past the line's start
  return {static_cast<uint32_t>(line), offset - line_starts[line - 1] + 1};
}

std::pair<uint32_t, uint32_t> SourceFile::line_char_col(uint32_t offset) const {
  auto [line, col] = line_col(offset);
  return {line, char_column(line_text(line), col - 1) + 1};
}

uint32_t SourceFile::offset_of(uint32_t line, uint32_t col) const {
  if (line_starts.empty() || line == 0) return 0;
  if (line > line_starts.size()) return static_cast<uint32_t>(text.size());
  uint32_t start = line_starts[line - 1];
  uint32_t end = line < line_starts.size() ? line_starts[line] : static_cast<uint32_t>(text.size());
  uint32_t off = start + (col == 0 ? 0 : col - 1);
  return std::min(off, end);
}

std::string_view SourceFile::line_text(uint32_t line) const {
  if (line == 0 || line > line_starts.size()) return {};
  size_t start = line_starts[line - 1];
  size_t end = line < line_starts.size() ? line_starts[line] - 1 : text.size();
  std::string_view s(text.data() + start, end - start);
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

std::string file_type_name(unsigned mode) {
  if (S_ISREG(mode)) return "";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a file";
}

std::string not_regular_reason(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    struct stat link {};
    if (err == ENOENT && ::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode))
      return "a symbolic link to a file that does not exist";
    return std::strerror(err);
  }
  if (S_ISDIR(st.st_mode)) return std::strerror(EISDIR);
  std::string type = file_type_name(st.st_mode);
  return type.empty() ? "" : "not a regular file: " + type;
}

namespace {

// Opens a regular file for reading. O_NONBLOCK: a FIFO without a writer, a
// terminal or a device must not block the open; then fstat decides, on the
// very file opened, before anything is read. Returns -1 with `why` set.
int open_regular(const std::string& path, std::string& why, off_t* size = nullptr) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    why = std::strerror(errno);
    return -1;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    why = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    why = S_ISDIR(st.st_mode) ? std::strerror(EISDIR) : "not a regular file: " + file_type_name(st.st_mode);
    ::close(fd);
    return -1;
  }
  // Reads of a regular file do not block; clear the flag all the same.
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  if (size) *size = st.st_size;
  return fd;
}

}  // namespace

std::optional<std::string> read_prefix(const std::string& path, size_t max, std::string* why) {
  std::string reason;
  int fd = open_regular(path, reason);
  if (fd < 0) {
    if (why) *why = reason;
    return std::nullopt;
  }
  std::string out(max, '\0');
  size_t got = 0;
  while (got < max) {
    ssize_t n = ::read(fd, out.data() + got, max - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

std::optional<SourceFile> read_source(const std::string& path, FileError& error) {
  error = FileError{path, 0, 0, {}};
  auto fail = [&](int err) -> std::optional<SourceFile> {
    error.message = std::strerror(err);
    return std::nullopt;
  };

  off_t size = 0;
  int fd = open_regular(path, error.message, &size);
  if (fd < 0) return std::nullopt;
  std::string contents;
  if (size > 0) contents.reserve(static_cast<size_t>(size));
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return fail(err);
    }
    if (n == 0) break;
    contents.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);

  SourceFile file = SourceFile::from_string(path, std::move(contents));
  const std::string& t = file.text;
  for (size_t i = 0; i < t.size();) {
    if (t[i] == '\0' || static_cast<unsigned char>(t[i]) >= 0x80) {
      size_t n = t[i] == '\0' ? 0 : utf8_sequence(t, i);
      if (n == 0) {
        // Everything before the bad byte is valid, so characters can be counted.
        auto [line, col] = file.line_char_col(static_cast<uint32_t>(i));
        error.line = line;
        error.col = col;
        error.message = t[i] == '\0' ? "binary content: NUL byte" : "binary content: invalid UTF-8";
        return std::nullopt;
      }
      i += n;
    } else {
      ++i;
    }
  }
  return file;
}

uint32_t char_column(std::string_view line, uint32_t byte_col) {
  size_t end = std::min<size_t>(byte_col, line.size());
  uint32_t chars = 0;
  for (size_t i = 0; i < end; ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++chars;
  }
  return chars;
}

}  // namespace pm2guard::lint
