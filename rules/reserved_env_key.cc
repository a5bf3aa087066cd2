// reserved-env-key: an app environment that overwrites pm2's own
// bookkeeping fields.
#include <fmt/format.h>

#include "runtime_detail.h"

namespace pm2guard {

extern const Rule kReservedEnvKey;

namespace {

void check(const RuntimeFacts& f, std::vector<Finding>& out) {
  using namespace runtime_detail;
  if (f.reserved_env.empty()) return;
  std::string list;
  for (size_t i = 0; i < f.reserved_env.size() && i < 8; ++i) list += (i ? ", " : "") + f.reserved_env[i];
  if (f.reserved_env.size() > 8) list += fmt::format(" and {} more", f.reserved_env.size() - 8);
  out.push_back(finding(kReservedEnvKey, f,
                        fmt::format("{}: {} set fields pm2 keeps for itself; pm2 copies an app's environment over "
                                    "its own record of the process, which then points at another process or none",
                                    command_of(f), list)));
}

}  // namespace

extern const Rule kReservedEnvKey = {
    "reserved-env-key",
    Severity::Error,
    {
        "an app's env sets one of pm2's own bookkeeping fields",
        "Finds ecosystem apps (and documents on stdin) whose `env` or `env_<name>` block sets a key that pm2 "
        "stores in the process's own record — `pm_id`, `name`, `namespace`, `status`, `pm_exec_path`, "
        "`pm_cwd`, `pm2_env`, `unique_id`, the log and pid paths and the other fields pm2 7 sets itself.",
        "pm2 merges an app's environment into the record it keeps of the process: `env: {pm_id: 3}` makes the "
        "record claim another process's id, and the process it describes is orphaned — still running, no "
        "longer reachable by its name or id, or overwriting the entry of another team's process.",
        "pm2 start ecosystem.config.js   # an app with env: { pm_id: 0 }",
        "pm2 start ecosystem.config.js   # env: { NODE_ENV: 'production' }",
    },
    nullptr,
    RuleFront::Shim,
    check,
};

}  // namespace pm2guard
