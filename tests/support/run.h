// Runs a program with arguments, optional stdin and environment, and
// captures its stdout, stderr and exit status: tests of the real binaries.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pm2guard::testing {

struct RunResult {
  std::string out;
  std::string err;
  int code = -1;    ///< exit status, or 128 + signal number
  int signal = 0;   ///< the signal that ended it, 0 if none
  long max_rss_kib = 0;  ///< the largest resident set it had (getrusage's ru_maxrss)
};

struct RunOptions {
  std::string input;                                 ///< written to stdin (then closed)
  std::optional<std::map<std::string, std::string>> env;  ///< replaces the environment when set
  std::string cwd;                                   ///< working directory ("" = inherit)
  std::optional<unsigned> uid;                       ///< drop to this uid/gid (root only)
  double timeout_seconds = 60;                       ///< killed with SIGKILL after this
};

RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

/// A private temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  /// Writes a file (creating parent directories) and returns its path.
  std::string write(const std::string& relative, const std::string& contents) const;

 private:
  std::string path_;
};

}  // namespace pm2guard::testing
