// What one CI job's destructive pm2 commands have hit so far, so that a
// loop deleting one name at a time is judged like the `delete all` it adds
// up to. One small JSON file per job beside the daemon; the caller holds the
// daemon lock (daemon_lock.h) from load to save.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "pm2_home.h"
#include "process_table.h"

namespace pm2guard::shim {

/// Identifies the calling CI job: the forge's server, repository, run id,
/// run attempt and job id (GITHUB_*, which Gitea's and Forgejo's runners
/// set too, else FORGEJO_*), or GitLab's server, project and CI_JOB_ID.
/// nullopt outside a CI job (no repository and run id, or no GitLab job id).
/// Matrix legs of one job share GITHUB_JOB and therefore a key.
std::optional<std::string> job_key(const EnvLookup& env);

struct JobState {
  /// Process identities (process_identity()) the job's commands have seen
  /// in the daemon, and those its destructive commands targeted.
  std::set<std::string> seen;
  std::set<std::string> hit;
  /// When the state was last saved (UTC, ISO 8601); "" for a new job.
  std::string updated;
};

/// `<pm_id>:<name>`: the identity recorded in JobState.
std::string process_identity(const ProcessInfo& p);

/// <PM2_HOME>/pm2guard-jobs.
std::string default_job_state_dir(const Pm2Paths& paths);

/// The file of one job: `<dir>/<sha256 hex of key>.json`.
std::string job_state_path(const std::string& dir, const std::string& key);

/// Loads a job's state. A job with no file yet (or no directory) gets an
/// empty state. Anything unreadable, malformed, for another key, or in a
/// file or directory writable by group or others is an error: the caller
/// must fail closed, as the state may have been cleared to get around it.
std::optional<JobState> load_job_state(const std::string& dir, const std::string& key, std::string& error);

/// Saves a job's state atomically (a new file renamed over the old one),
/// with `updated` set to now. Creates `dir` 0750 when only it is missing;
/// files are 0640. Then removes job files (and leftover temporary files)
/// not modified for 7 days.
bool save_job_state(const std::string& dir, const std::string& key, const JobState& state, std::string& error);

}  // namespace pm2guard::shim
