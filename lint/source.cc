#include "source.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace pm2guard::lint {

SourceFile SourceFile::from_string(std::string path, std::string contents) {
  SourceFile f;
  f.path = std::move(path);
  if (contents.rfind("\xEF\xBB\xBF", 0) == 0) contents.erase(0, 3);
  f.text = std::move(contents);
  f.line_starts.push_back(0);
  for (size_t i = 0; i < f.text.size(); ++i)
    if (f.text[i] == '\n') f.line_starts.push_back(static_cast<uint32_t>(i + 1));
  return f;
}

std::pair<uint32_t, uint32_t> SourceFile::line_col(uint32_t offset) const {
  auto it = std::upper_bound(line_starts.begin(), line_starts.end(), offset);
  size_t line = static_cast<size_t>(it - line_starts.begin());
  return {static_cast<uint32_t>(line), offset - line_starts[line - 1] + 1};
}

uint32_t SourceFile::offset_of(uint32_t line, uint32_t col) const {
  if (line == 0 || line > line_starts.size()) return static_cast<uint32_t>(text.size());
  return line_starts[line - 1] + col - 1;
}

std::string_view SourceFile::line_text(uint32_t line) const {
  if (line == 0 || line > line_starts.size()) return {};
  size_t b = line_starts[line - 1];
  size_t e = line < line_starts.size() ? line_starts[line] - 1 : text.size();
  std::string_view v(text.data() + b, e - b);
  if (!v.empty() && v.back() == '\r') v.remove_suffix(1);
  return v;
}

std::optional<SourceFile> read_source(const std::string& path, FileError& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = FileError{path, 0, 0, std::strerror(errno)};
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return SourceFile::from_string(path, ss.str());
}

uint32_t char_column(std::string_view line, uint32_t byte_col) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < byte_col && i < line.size(); ++i)
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace pm2guard::lint
