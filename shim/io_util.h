// Small pieces shared by the shim's files in PM2_HOME (the audit trail, the
// deployment lock, the per-job state): hashing, UTC timestamps, errno text,
// safe rendering of untrusted text, and guarded creation of a directory.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pm2_home.h"

namespace pm2guard::shim {

/// SHA-256 of `data`, as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);

/// `t` in UTC, ISO 8601 with milliseconds: `2026-02-17T09:30:00.123Z`.
std::string format_utc(std::chrono::system_clock::time_point t);

/// strerror(err) followed by the symbolic name when known: `Permission denied (EACCES)`.
std::string sys_error_text(int err);

/// `text` made safe for a terminal, a CI log or a syslog line: control
/// characters (C0, DEL, C1) and bytes that are not valid UTF-8 become `\xNN`,
/// a backslash becomes `\\`. Cut to `max_bytes` of output with "..." when longer.
std::string display_text(std::string_view text, size_t max_bytes = 4096);

/// One line for stderr, the one way the shim writes there: control
/// characters (C0 with newline and ESC, DEL, C1), bidirectional and line
/// separator code points and bytes that are not valid UTF-8 escaped exactly
/// as display_text() escapes them, so that no text from a process name, a
/// process's environment or an argument can end the line, start a CI
/// workflow command (`::error::`) or send a terminal escape sequence.
/// Backslashes are kept, which makes it idempotent: text that went through
/// display_text() (or this) comes out unchanged. Cut at `max_bytes` like
/// display_text().
std::string terminal_line(std::string_view text, size_t max_bytes = 16384);

/// A command line for a human: words quoted for a POSIX shell when needed,
/// then passed through display_text().
std::string display_command(const std::vector<std::string>& words, size_t max_bytes = 4096);

/// `scheme://user:password@host/...` -> `scheme://host/...`; other text unchanged.
std::string strip_url_credentials(std::string url);

/// The directory part of `path` ("." when it has none, "/" for "/x").
std::string parent_directory(const std::string& path);

/// path.resolve(PM2_HOME, name): a file beside the daemon's own. Relative
/// when PM2_HOME is (it is then relative to the cwd, as for pm2 itself).
std::string pm2_home_file(const Pm2Paths& paths, std::string_view name);

/// Makes sure directory `dir` exists. A missing one is created with `mode`
/// only when its own parent exists (never a chain of directories: a typo in
/// PM2_HOME must not grow a tree). Returns false with `error` set otherwise.
bool ensure_directory(const std::string& dir, mode_t mode, std::string& error);

}  // namespace pm2guard::shim
