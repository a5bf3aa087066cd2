// GitLab CI as a source of shell scripts: the `before_script`, `script` and
// `after_script` of every job (hidden `.template` jobs too: `extends:` and
// `!reference` run their lines in other jobs) and of `default:`, each with
// the `variables:` the job sees and a byte-exact map back into the file.
//
// A job's `before_script` and `script` run in one shell, `after_script` in
// another; each key is one script here, its list items one line each (a
// nested list is flattened as GitLab flattens it). An item tagged
// `!reference [.job, script]` runs lines written elsewhere in the file,
// which are linted where they are written. `variables:` reach the scripts
// as constants when their value is literal (a value that expands another
// variable, `$OTHER`, is known at run time only); a job's own variables
// override the top-level ones, and those of the jobs it `extends:` (nearest
// first, GitLab's eleven levels) are read too.
#pragma once

#include "source.h"
#include "workflow.h"

namespace pm2guard::lint {

/// Reads a `.gitlab-ci.yml` (or a file it includes: its top-level keys are
/// jobs too).
ExtractResult read_gitlab_ci(const SourceFile& file, const ScriptBatchFn& on_batch);

}  // namespace pm2guard::lint
