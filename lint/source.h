// A file as the linter reads it: its bytes (a UTF-8 BOM removed), and the
// means to turn byte offsets into 1-based lines and columns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pm2guard::lint {

struct SourceFile {
  std::string path;  ///< as given on the command line or found by discovery
  std::string text;  ///< contents; a leading UTF-8 BOM is removed
  std::vector<uint32_t> line_starts;  ///< byte offset where each line begins

  /// Builds a file from memory (tests, nested inputs).
  static SourceFile from_string(std::string path, std::string contents);

  /// 1-based line and 1-based byte column of a byte offset.
  std::pair<uint32_t, uint32_t> line_col(uint32_t offset) const;
  /// 1-based line and 1-based character column (UTF-8 code points) of a byte
  /// offset: the column users see.
  std::pair<uint32_t, uint32_t> line_char_col(uint32_t offset) const;
  /// Byte offset of a 1-based line and byte column.
  uint32_t offset_of(uint32_t line, uint32_t col) const;
  /// Text of a 1-based line without its line break (and without a '\r').
  std::string_view line_text(uint32_t line) const;
  uint32_t line_count() const { return static_cast<uint32_t>(line_starts.size()); }
};

/// Why a file could not be used, with the position of the problem when there
/// is one (line 0 when none).
struct FileError {
  std::string path;
  uint32_t line = 0;  ///< 1-based; 0 when unknown
  uint32_t col = 0;   ///< 1-based character column; 0 when unknown
  std::string message;
};

/// Reads a file. Fails on I/O errors and on binary content (a NUL byte or
/// invalid UTF-8), naming the offending position, and on anything that is
/// not a regular file once symbolic links are followed (a FIFO, a device, a
/// socket: "not a regular file: a FIFO"), which is never read: the file is
/// opened without blocking and checked before a byte is read.
std::optional<SourceFile> read_source(const std::string& path, FileError& error);

/// Up to `max` bytes from the start of a regular file, opened as
/// read_source opens it; nullopt (and `why`) for anything else.
std::optional<std::string> read_prefix(const std::string& path, size_t max, std::string* why = nullptr);

/// What a file is when it is not a regular file, from its st_mode: "a
/// directory", "a FIFO", "a character device", "a block device", "a
/// socket", "a symbolic link"; "" for a regular file.
std::string file_type_name(unsigned mode);

/// Why `path` cannot be read as a regular file ("not a regular file: a
/// FIFO", "Is a directory", the system's error), or "" when it can: the
/// type after following symbolic links, without opening it.
std::string not_regular_reason(const std::string& path);

/// Length of the well-formed UTF-8 sequence at byte `i` of `s`, or 0 when
/// there is none (a stray continuation byte, a truncated sequence, an
/// overlong form, a surrogate, a code point above U+10FFFF). The one
/// definition of valid UTF-8: read_source and the reports use it.
size_t utf8_sequence(std::string_view s, size_t i);

/// Number of characters (UTF-8 code points) in the first `bytes` bytes of `s`.
uint32_t char_column(std::string_view line, uint32_t byte_col);

}  // namespace pm2guard::lint
