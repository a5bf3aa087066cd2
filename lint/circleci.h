// CircleCI as a source of shell scripts: every `run:` step of the
// `steps:` of `jobs:` and of reusable `commands:` (a string, or a mapping
// whose `command:` is the script), with the job's and the step's literal
// `environment:`.
#pragma once

#include "source.h"
#include "workflow.h"

namespace pm2guard::lint {

ExtractResult read_circleci(const SourceFile& file, const ScriptBatchFn& on_batch);

}  // namespace pm2guard::lint
