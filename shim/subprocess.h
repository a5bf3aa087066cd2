// Running a helper program (node, npm, runuser) and collecting what it
// prints, with a deadline and bounded output.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace pm2guard::shim {

struct SubprocessResult {
  int exit_code = -1;  ///< -1 when it could not run, was killed or timed out
  std::string out;
  std::string err;
  bool timed_out = false;
};

/// Runs argv (argv[0] searched on PATH when `search_path`) with `input` on
/// stdin (/dev/null when empty), in its own process group, killed after
/// `timeout_seconds` or once it prints more than `max_output` bytes.
SubprocessResult run_subprocess(const std::vector<std::string>& argv, const std::string& input, double timeout_seconds,
                                bool search_path = false, size_t max_output = size_t{16} << 20);

}  // namespace pm2guard::shim
