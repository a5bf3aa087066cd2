#include "bash_escapes.h"

namespace pm2guard::lint {

namespace {

bool is_octal(char c) { return c >= '0' && c <= '7'; }
bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
unsigned hex_value(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  return static_cast<unsigned>(c - 'A' + 10);
}

// bash's u32toutf8: UTF-8 extended to 31 bits (what bash writes when the
// locale's converter refuses a surrogate or a value past U+10FFFF).
std::string bash_utf8(unsigned long v) {
  std::string s;
  auto put = [&](unsigned long b) { s += static_cast<char>(b & 0xFF); };
  if (v < 0x80) {
    put(v);
  } else if (v < 0x800) {
    put((v >> 6) | 0xC0);
    put((v & 0x3F) | 0x80);
  } else if (v < 0x10000) {
    put((v >> 12) | 0xE0);
    put(((v >> 6) & 0x3F) | 0x80);
    put((v & 0x3F) | 0x80);
  } else if (v < 0x200000) {
    put((v >> 18) | 0xF0);
    put(((v >> 12) & 0x3F) | 0x80);
    put(((v >> 6) & 0x3F) | 0x80);
    put((v & 0x3F) | 0x80);
  } else if (v < 0x4000000) {
    put((v >> 24) | 0xF8);
    put(((v >> 18) & 0x3F) | 0x80);
    put(((v >> 12) & 0x3F) | 0x80);
    put(((v >> 6) & 0x3F) | 0x80);
    put((v & 0x3F) | 0x80);
  } else if (v < 0x80000000UL) {
    put((v >> 30) | 0xFC);
    put(((v >> 24) & 0x3F) | 0x80);
    put(((v >> 18) & 0x3F) | 0x80);
    put(((v >> 12) & 0x3F) | 0x80);
    put(((v >> 6) & 0x3F) | 0x80);
    put((v & 0x3F) | 0x80);
  }
  return s;
}

char to_ctrl(char c) {
  if (c == '?') return 0x7F;
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return static_cast<char>(c & 0x1F);
}

}  // namespace

Unescaped unescape(std::string_view s, EscapeDialect d) {
  const bool ansi = d == EscapeDialect::AnsiC;
  const bool echo = d == EscapeDialect::Echo;
  const bool format = d == EscapeDialect::PrintfFormat;
  Unescaped out;
  auto emit = [&](char c, size_t from) {
    out.bytes += c;
    out.from.push_back(static_cast<uint32_t>(from));
  };
  // $'...' is a C string to bash: it ends at the first NUL.
  auto emit_value = [&](char c, size_t from) {
    if (c == '\0' && ansi) return false;
    emit(c, from);
    return true;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      emit(s[i], i);
      continue;
    }
    const size_t at = i;
    const char e = s[++i];
    auto keep = [&] {  // the escape as written
      emit('\\', at);
      emit(e, i);
    };
    switch (e) {
      case 'a': emit('\a', at); break;
      case 'b': emit('\b', at); break;
      case 'e': case 'E': emit('\x1b', at); break;
      case 'f': emit('\f', at); break;
      case 'n': emit('\n', at); break;
      case 'r': emit('\r', at); break;
      case 't': emit('\t', at); break;
      case 'v': emit('\v', at); break;
      case '\\': emit('\\', at); break;
      case '\'': case '"': case '?':
        if (echo || d == EscapeDialect::PrintfB) keep();
        else emit(e, at);
        break;
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        if (echo && e != '0') {
          keep();  // echo -e: only \0nnn
          break;
        }
        // Digits after the first: two, or three after a \0 in echo -e and %b.
        int more = (e == '0' && (echo || d == EscapeDialect::PrintfB)) ? 3 : 2;
        unsigned v = static_cast<unsigned>(e - '0');
        while (more-- > 0 && i + 1 < s.size() && is_octal(s[i + 1])) v = v * 8 + static_cast<unsigned>(s[++i] - '0');
        if (!emit_value(static_cast<char>(v & 0xFF), at)) return out;
        break;
      }
      case 'x': {
        bool braced = ansi && i + 1 < s.size() && s[i + 1] == '{';
        if (braced) ++i;
        unsigned v = 0;
        int digits = 0;
        while ((braced || digits < 2) && i + 1 < s.size() && is_hex(s[i + 1])) {
          v = v * 16 + hex_value(s[++i]);
          ++digits;
        }
        if (braced) {
          if (i + 1 < s.size() && s[i + 1] == '}') ++i;
        } else if (digits == 0) {
          keep();
          break;
        }
        if (!emit_value(static_cast<char>(v & 0xFF), at)) return out;
        break;
      }
      case 'u': case 'U': {
        int max = e == 'u' ? 4 : 8, digits = 0;
        unsigned long v = 0;
        while (digits < max && i + 1 < s.size() && is_hex(s[i + 1])) {
          v = v * 16 + hex_value(s[++i]);
          ++digits;
        }
        if (digits == 0) {
          keep();
          break;
        }
        if (v <= 0x7F) {
          if (!emit_value(static_cast<char>(v), at)) return out;
        } else {
          for (char c : bash_utf8(v)) emit(c, at);
        }
        break;
      }
      case 'c':
        if (echo || d == EscapeDialect::PrintfB) {
          out.stop_output = true;
          return out;
        }
        if (format || i + 1 == s.size()) {
          keep();
          break;
        }
        {
          char x = s[++i];
          // `\c\\` is \c applied to one backslash.
          if (x == '\\' && i + 1 < s.size() && s[i + 1] == '\\') ++i;
          if (!emit_value(to_ctrl(x), at)) return out;
        }
        break;
      default:
        keep();
    }
  }
  return out;
}

}  // namespace pm2guard::lint
