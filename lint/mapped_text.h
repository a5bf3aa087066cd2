// Text decoded from a file (a YAML scalar, a quoted shell string, a heredoc)
// that remembers, byte by byte, where in the file each byte came from, so
// that positions found in the decoded text map back to the file exactly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pm2guard::lint {

class MappedText {
 public:
  MappedText() = default;
  /// Text copied verbatim from the file at `file_offset`.
  static MappedText verbatim(std::string_view text, uint32_t file_offset);
  /// Text whose bytes all map to one file offset (an inexact mapping: used
  /// when a YAML scalar cannot be aligned with its source).
  static MappedText anchored(std::string_view text, uint32_t file_offset);

  const std::string& text() const { return text_; }
  size_t size() const { return text_.size(); }
  bool empty() const { return text_.empty(); }
  /// False when some bytes only map to an anchor, not to their own place.
  bool exact() const { return exact_; }

  /// File offset of text byte `i` (i == size() gives the end of the last byte).
  uint32_t origin(size_t i) const;

  void append(char c, uint32_t file_offset);
  void append(std::string_view s, uint32_t file_offset_of_first);  ///< consecutive file bytes
  void append_anchored(std::string_view s, uint32_t file_offset);    ///< all bytes at one offset
  void append(const MappedText& other, size_t from = 0, size_t to = SIZE_MAX);
  /// Replaces byte i in place, keeping its origin (used for masking).
  void set(size_t i, char c) { text_[i] = c; }

  MappedText slice(size_t from, size_t to) const;

 private:
  // Origins are kept as runs: from text byte `at` on, the bytes come from
  // consecutive file bytes starting at `origin` (or all from `origin`, when
  // anchored), up to the next run. A decoded scalar or word is a few runs.
  struct Run {
    uint32_t at;
    uint32_t origin;
    bool anchored;
  };
  size_t run_at(size_t i) const;  // the run holding text byte i < size()
  void add_run(uint32_t origin, bool anchored);

  std::string text_;
  std::vector<Run> runs_;
  mutable size_t hint_ = 0;   // the run of the last lookup
  uint32_t end_origin_ = 0;   // origin of the end position
  bool exact_ = true;
};

}  // namespace pm2guard::lint
