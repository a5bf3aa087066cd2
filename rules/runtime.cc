#include "runtime.h"

#include <fmt/format.h>

#include <cstring>

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

bool provably_owned(const RuntimeFacts& f, const LiveProcess& p) {
  if (f.ownership && !f.caller_repository.empty() && p.owner == f.caller_repository) return true;
  return f.scope_applies && f.in_scope && f.in_scope(p);
}

std::string application_of(const LiveProcess& p) {
  // Length-prefixed: a name or namespace may hold any byte, NUL included,
  // and two different triples must never meet in one key.
  std::string key;
  for (const std::string* part : {&p.name, &p.ns, &p.exec_path}) {
    key += std::to_string(part->size());
    key += ':';
    key += *part;
  }
  return key;
}

bool scale_only_adds(const Invocation& inv, const Pm2Call& call, size_t instances) {
  if (call.command != "scale" || call.dynamic_command || call.positionals.size() < 2) return false;
  const Word& w = inv.args[static_cast<size_t>(call.positionals[1])];
  if (!w.literal) return false;
  const std::string& n = w.text;
  // API.scale: a '+' anywhere adds parseInt(n) instances, a '-' anywhere
  // removes some, anything else is an absolute count compared with the
  // instances there are.
  if (n.find('+') != std::string::npos) return true;
  if (n.find('-') != std::string::npos) return false;
  // parseInt(n, 10), for the spellings that can be read without doubt:
  // ASCII white space, then digits.
  size_t i = 0;
  while (i < n.size() && std::strchr(" \t\n\v\f\r", n[i]) != nullptr && n[i] != '\0') ++i;
  size_t digits = i;
  while (digits < n.size() && n[digits] >= '0' && n[digits] <= '9') ++digits;
  if (digits == i) {
    // NaN: pm2 prints "Nothing to do". Non-ASCII text may be white space
    // JavaScript skips before digits: judged destructive.
    for (char c : n)
      if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
  }
  if (digits - i > 9) return true;  // more instances than anybody runs: adds
  return static_cast<size_t>(std::stol(n.substr(i, digits - i))) >= instances;
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
