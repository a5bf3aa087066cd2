// What the shim knows when a pm2 command is about to run, reduced to plain
// values so that the run-time rules stay free of I/O: the live processes,
// the ones the command resolves to, who is calling, and the policy's limits.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "invocation.h"
#include "pm2_cli.h"
#include "rule.h"

namespace pm2guard {

struct LiveProcess {
  int id = -1;
  std::string name;
  std::string ns = "default";
  std::string status;
  bool module = false;
  /// The repository whose CI job started it (from its environment), "" when
  /// none was recorded.
  std::string owner;
  /// pm2_env.pm_exec_path: instances of one app (`-i 4`, `pm2 scale`)
  /// share it with their name and namespace.
  std::string exec_path;
  /// `"<id>:<name>"`, how the cumulative check remembers processes.
  std::string identity() const { return std::to_string(id) + ":" + name; }
};

/// A process the command starts anew (a new app of a config file, a module,
/// `pm2 serve`), brings back (`resurrect`), or renames an existing one to.
struct NewProcess {
  std::string name;
  std::string ns = "default";
  /// The repository recorded in the process's saved environment (resurrect
  /// reads it from the dump), "" for a process the caller creates.
  std::string owner;
  /// Where the name comes from, for messages (`eco.json`, `the dump` ...).
  std::string origin;
};

struct RuntimeFacts {
  const Invocation* inv = nullptr;
  const Pm2Call* call = nullptr;
  std::vector<LiveProcess> processes;

  /// pm_ids the command acts on, and whether that is certain.
  std::vector<int> targets;
  bool certain = true;
  std::string uncertainty;

  /// Targets that name a group (a regex, a namespace), with what each one
  /// resolved to; `refuse_all` makes a group that is every process a refusal.
  std::vector<std::pair<std::string, std::vector<int>>> groups;
  bool refuse_all = true;

  /// ADR-061 layer 3: the largest number of processes a command may take
  /// down when it takes down every one of them.
  int max_processes = 3;

  /// The calling CI job's repository ("" outside CI).
  std::string caller_repository;
  bool ownership = true;

  /// The caller's scope: when `scope_applies`, every target must satisfy
  /// `in_scope`. `scope_refusal` is set when the caller has no usable scope
  /// but needs one (a policy that requires scopes, an unknown scope name).
  bool scope_applies = false;
  std::string scope_name;
  std::function<bool(const LiveProcess&)> in_scope;
  std::string scope_refusal;

  /// Processes the command would start, bring back or rename (see NewProcess).
  std::vector<NewProcess> starts;
  /// Documents pm2 would run as code although they are meant as data (a
  /// `.json` ecosystem file or a stdin document that holds an expression, a
  /// call, `process`, `require` ...): one description each.
  std::vector<std::string> code_documents;
  /// App environments that set a field pm2 keeps for itself (`pm_id`,
  /// `name`, `namespace`, `status` ...): "app `x` (eco.json): env_production.pm_id".
  std::vector<std::string> reserved_env;
  /// Commands the policy allows by name (its `allow` list).
  std::set<std::string> allowed_commands;

  /// Cumulative check: what this CI job's earlier commands saw and hit.
  bool cumulative = false;
  std::set<std::string> job_seen;
  std::set<std::string> job_hit;

  const LiveProcess* process(int id) const {
    for (const LiveProcess& p : processes)
      if (p.id == id) return &p;
    return nullptr;
  }
  /// "name (id 3)" list of some processes, for messages.
  std::string describe(const std::vector<int>& ids, size_t limit = 8) const;
};

/// Whether the caller provably owns `p`: it was started by the caller's
/// repository's CI job (when the policy uses ownership), or the caller's
/// scope owns it.
bool provably_owned(const RuntimeFacts& f, const LiveProcess& p);

/// The application a process is an instance of: name, namespace and script
/// (cluster or `-i N` instances share all three). Layer 3 counts these, so
/// that one app's instances are not "several applications".
std::string application_of(const LiveProcess& p);

/// `pm2 scale APP N` that only adds instances (N above the current count,
/// `+K`, or a count pm2 reads as nothing to do): never destructive.
/// `instances` is the number of processes APP resolves to now.
bool scale_only_adds(const Invocation& inv, const Pm2Call& call, size_t instances);

/// Runs every shim rule on the facts.
std::vector<Finding> check_runtime(const RuntimeFacts& facts);

}  // namespace pm2guard
