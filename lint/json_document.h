// A JSON file as JSON.parse reads it, with the file position of every value
// and of every decoded byte of its strings: the common reader of the JSON
// sources (package.json scripts; later ecosystem*.json deploy hooks).
//
// tree-sitter-json lexes the file; its tokens, in document order, are then
// assembled by JSON's own grammar with an explicit stack (no recursion, so
// any depth of nesting is read). That makes the first error the one
// JSON.parse stops at, where tree-sitter's error recovery would report a
// node spanning good members, and it keeps everything read before the
// error: the values completed before it, and the containers still open at
// it with their completed members. What tree-sitter-json accepts and
// JSON.parse does not is an error too: comments, more than one top-level
// value, raw control characters in strings, a bad `\u` escape, whitespace
// other than space, tab, CR and LF, numbers such as `1.`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mapped_text.h"

namespace pm2guard::lint {

class JsonDocument {
 public:
  enum class Kind : uint8_t { Null, False, True, Number, String, Object, Array };

  struct Member {
    MappedText key;          ///< decoded, mapped to the file
    uint32_t key_begin = 0;  ///< file offset of the key's opening quote
    uint32_t value = 0;      ///< index of the value (value())
  };

  struct Value {
    Kind kind = Kind::Null;
    uint32_t begin = 0;  ///< file offset of the value's first byte
    /// File offset after its last byte; for a container still open at an
    /// error, the error's offset.
    uint32_t end = 0;
    bool closed = true;    ///< false for a container the error left open
    MappedText string;     ///< String: the decoded value, each byte mapped to the file
    std::vector<Member> members;  ///< Object: every member read, duplicates included, in file order
    std::vector<uint32_t> items;  ///< Array: the items read
  };

  struct Error {
    uint32_t offset = 0;  ///< where JSON.parse would stop
    std::string message;  ///< starts with "invalid JSON: "
  };

  /// Reads `text` (a file's contents, a BOM already removed). Offsets are
  /// offsets into `text`.
  static JsonDocument parse(std::string_view text);

  /// The top-level value; null when none was read (an empty file, an error
  /// before the first value).
  const Value* root() const { return values_.empty() ? nullptr : &values_[0]; }
  const Value& value(uint32_t index) const { return values_[index]; }
  /// The first problem, if any; the values read before it are kept.
  const std::optional<Error>& error() const { return error_; }

  /// The value JSON.parse gives `key` in `object`: the last member of that
  /// name (keys compared after decoding). Null when there is none or
  /// `object` is not an object.
  const Value* get(const Value& object, std::string_view key) const;
  /// The members of `object` as JSON.parse keeps them: one per key, the last
  /// of duplicates, in the file order of those kept.
  std::vector<const Member*> members(const Value& object) const;

 private:
  friend class JsonBuilder;
  std::vector<Value> values_;  // values_[0] is the root
  std::optional<Error> error_;
};

}  // namespace pm2guard::lint
