// Shared by the shim rules' files.
#pragma once

#include <algorithm>
#include <string>

#include "runtime.h"

namespace pm2guard::runtime_detail {

Finding finding(const Rule& r, const RuntimeFacts& f, std::string message);

inline std::string command_of(const RuntimeFacts& f) { return f.inv ? "`" + display_safe(*f.inv) + "`" : "the command"; }

inline bool targets_every_process(const RuntimeFacts& f) {
  size_t live = 0;
  for (const LiveProcess& p : f.processes) {
    if (p.module) continue;
    ++live;
    if (std::find(f.targets.begin(), f.targets.end(), p.id) == f.targets.end()) return false;
  }
  return live > 0;
}

inline size_t live_count(const RuntimeFacts& f) {
  return static_cast<size_t>(std::count_if(f.processes.begin(), f.processes.end(), [](const LiveProcess& p) { return !p.module; }));
}

}  // namespace pm2guard::runtime_detail
