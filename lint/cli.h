// `pm2guard` subcommands, testable without a process: arguments in, text
// out, exit code back.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace pm2guard::cli {

/// Exit codes of `pm2guard lint`.
enum ExitCode { kClean = 0, kFindings = 1, kUsageOrInput = 2 };

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace pm2guard::cli
