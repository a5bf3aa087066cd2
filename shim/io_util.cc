#include "io_util.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <time.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace pm2guard::shim {

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) return {};
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xf];
  }
  return out;
}

std::string format_utc(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  // Floor, not truncation toward zero, so times before 1970 stay correct.
  long long secs = ms / 1000;
  long long milli = ms % 1000;
  if (milli < 0) {
    milli += 1000;
    secs -= 1;
  }
  time_t tt = static_cast<time_t>(secs);
  struct tm tm {};
  if (!gmtime_r(&tt, &tm)) return "1970-01-01T00:00:00.000Z";
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, milli);
}

std::string sys_error_text(int err) {
  char buf[256];
  // GNU strerror_r: returns a pointer that may or may not be `buf`.
  const char* text = strerror_r(err, buf, sizeof buf);
  const char* name = strerrorname_np(err);
  if (name) return fmt::format("{} ({})", text, name);
  return fmt::format("{} (errno {})", text, err);
}

namespace {

void append_hex_byte(std::string& out, unsigned char b) {
  static const char kHex[] = "0123456789ABCDEF";
  out += "\\x";
  out += kHex[b >> 4];
  out += kHex[b & 0xf];
}

// Length of the valid UTF-8 sequence at s[i] and its code point, or 0 when
// the bytes there are not valid UTF-8 (overlong forms and surrogates included).
size_t utf8_sequence(std::string_view s, size_t i, char32_t& cp) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  size_t n;
  char32_t min;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  } else if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2, cp = b0 & 0x1Fu, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3, cp = b0 & 0x0Fu, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4, cp = b0 & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Code points a terminal acts on rather than shows: C1 controls (0x9B is a
// CSI on many terminals), bidirectional overrides and isolates (they reorder
// what a reader sees), and the Unicode line and paragraph separators.
bool is_invisible_control(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
         cp == 0x200E || cp == 0x200F || cp == 0x061C || cp == 0x2028 || cp == 0x2029;
}

}  // namespace

namespace {

// display_text() and terminal_line() differ only in whether a backslash is
// doubled.
std::string escape_controls(std::string_view text, size_t max_bytes, bool escape_backslash) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (out.size() >= max_bytes) {
      out += "...";
      break;
    }
    char32_t cp = 0;
    size_t n = utf8_sequence(text, i, cp);
    if (n == 0) {
      append_hex_byte(out, static_cast<unsigned char>(text[i]));
      ++i;
      continue;
    }
    if (n == 1) {
      if (cp < 0x20 || cp == 0x7F)
        append_hex_byte(out, static_cast<unsigned char>(cp));
      else if (cp == '\\' && escape_backslash)
        out += "\\\\";
      else
        out += static_cast<char>(cp);
    } else if (is_invisible_control(cp)) {
      out += fmt::format("\\u{{{:04X}}}", static_cast<uint32_t>(cp));
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

}  // namespace

std::string display_text(std::string_view text, size_t max_bytes) { return escape_controls(text, max_bytes, true); }

std::string terminal_line(std::string_view text, size_t max_bytes) { return escape_controls(text, max_bytes, false); }

std::string display_command(const std::vector<std::string>& words, size_t max_bytes) {
  std::string line;
  for (const std::string& word : words) {
    if (!line.empty()) line += ' ';
    // Escaped first, so the quoting added below is not escaped in turn.
    std::string w = display_text(word, max_bytes);
    bool plain = !w.empty();
    for (char c : w) {
      unsigned char u = static_cast<unsigned char>(c);
      if (!(u >= 0x80 || std::isalnum(u) || std::strchr("_@%+=:,./-", c) != nullptr)) {
        plain = false;
        break;
      }
    }
    if (plain) {
      line += w;
    } else {
      line += '\'';
      for (char c : w) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
      line += '\'';
    }
    if (line.size() > max_bytes) {
      // Cut on a character boundary.
      size_t cut = max_bytes;
      while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
      line.resize(cut);
      return line + "...";
    }
  }
  return line;
}

std::string strip_url_credentials(std::string url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  size_t start = scheme + 3;
  size_t end = url.find_first_of("/?#", start);
  if (end == std::string::npos) end = url.size();
  size_t at = url.rfind('@', end - 1);
  if (at != std::string::npos && at >= start) url.erase(start, at + 1 - start);
  return url;
}

std::string parent_directory(const std::string& path) {
  size_t end = path.size();
  while (end > 1 && path[end - 1] == '/') --end;  // "dir/" names dir itself
  size_t slash = path.rfind('/', end - 1);
  if (slash == std::string::npos) return ".";
  while (slash > 0 && path[slash - 1] == '/') --slash;
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string pm2_home_file(const Pm2Paths& paths, std::string_view name) {
  // An empty cwd keeps a relative PM2_HOME relative: it is then resolved
  // against the process's cwd when the file is opened, as pm2 resolves it.
  return node_path_resolve({paths.home, name}, std::string()).value_or(std::string(name));
}

bool ensure_directory(const std::string& dir, mode_t mode, std::string& error) {
  struct stat st {};
  if (stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return true;
    error = fmt::format("{} exists and is not a directory", dir);
    return false;
  }
  if (errno != ENOENT) {
    error = fmt::format("cannot examine directory {}: {}", dir, sys_error_text(errno));
    return false;
  }
  std::string parent = parent_directory(dir);
  if (stat(parent.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    error = fmt::format("directory {} does not exist, nor does its parent {}", dir, parent);
    return false;
  }
  if (mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
    error = fmt::format("cannot create directory {}: {}", dir, sys_error_text(errno));
    return false;
  }
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    error = fmt::format("{} exists and is not a directory", dir);
    return false;
  }
  return true;
}

}  // namespace pm2guard::shim
