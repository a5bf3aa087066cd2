// Backslash escapes as bash 5 reads them, in the four places it reads them:
// ANSI-C quoting ($'...'), `echo -e`, printf's format and printf's %b
// argument. One decoder, so that a word means to the linter what it means to
// bash (`$'\u0061ll'` is `all`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pm2guard::lint {

enum class EscapeDialect {
  AnsiC,         ///< $'...' (bash's ansicstr, flags 2)
  Echo,          ///< echo -e, xpg_echo (ansicstr, flags 1)
  PrintfFormat,  ///< printf's format (tescape without \c)
  PrintfB,       ///< printf %b (bexpand: tescape with \c)
};

struct Unescaped {
  std::string bytes;
  /// For each byte of `bytes`: the index in the input of the byte, or of
  /// the backslash of the escape, it comes from.
  std::vector<uint32_t> from;
  /// `\c`: echo -e and %b print nothing more at all (the rest of this
  /// argument and every later one).
  bool stop_output = false;
};

/// Decodes `in` as bash 5 in a UTF-8 locale does:
///   \a \b \e \E \f \n \r \t \v, \\, and \' \" \? (kept with their backslash
///   by echo -e and %b);
///   \nnn octal: one to three digits ($'...', printf's format), \0 and up to
///   three more (echo -e, %b; echo -e leaves \1-\7 as they are; printf's
///   format takes \0 and up to two more); the value modulo 256;
///   \xHH: one or two hex digits (none: `\x` stays); $'...' also \x{H...};
///   \uHHHH, \UHHHHHHHH: one to four or eight hex digits (none: `\u` stays),
///   the code point in UTF-8 as bash writes it (surrogates and values past
///   U+10FFFF in the long forms bash produces, nothing for 0x80000000 and
///   above);
///   \cx ($'...' only): the control character x & 0x1F (\c? is DEL, `\c\\`
///   is \c with one backslash); \c at the end stays; in echo -e and %b, \c
///   ends all output; printf's format leaves it as it is;
///   any other escape: the backslash and the character stay.
/// $'...' ends at the first NUL it produces (`$'a\0b'` is `a`); the others
/// keep NUL bytes.
Unescaped unescape(std::string_view in, EscapeDialect dialect);

}  // namespace pm2guard::lint
