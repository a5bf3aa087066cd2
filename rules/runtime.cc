#include "runtime.h"

#include <fmt/format.h>

namespace pm2guard {

std::string RuntimeFacts::describe(const std::vector<int>& ids, size_t limit) const {
  std::string out;
  size_t n = 0;
  for (int id : ids) {
    if (n == limit) {
      out += fmt::format(", and {} more", ids.size() - limit);
      break;
    }
    const LiveProcess* p = process(id);
    out += n ? ", " : "";
    out += p ? fmt::format("{} (id {}{})", p->name, id, p->ns == "default" ? "" : ", namespace " + p->ns)
             : fmt::format("id {}", id);
    ++n;
  }
  return out;
}

std::vector<Finding> check_runtime(const RuntimeFacts& facts) {
  std::vector<Finding> out;
  for (const Rule* r : all_rules())
    if (r->runtime_check) r->runtime_check(facts, out);
  return out;
}

namespace runtime_detail {

Finding finding(const Rule& r, const RuntimeFacts& f, std::string message) {
  Finding x;
  x.rule = std::string(r.id);
  x.severity = r.severity;
  x.arg = f.call ? f.call->command_arg : -1;
  x.message = std::move(message);
  return x;
}

}  // namespace runtime_detail

}  // namespace pm2guard
