// Woodpecker and Drone pipelines as a source of shell scripts: the
// `commands:` of every step (`steps:` as a list or, Woodpecker's, a map of
// named steps; the old `pipeline:` map), each with the step's literal
// `environment:`, and the `settings.script` of the drone-ssh plugin
// (`image: appleboy/drone-ssh`), which runs on the remote host. A Drone
// file may hold several pipelines as YAML documents: each is read.
#pragma once

#include "source.h"
#include "workflow.h"

namespace pm2guard::lint {

ExtractResult read_woodpecker_drone(const SourceFile& file, const ScriptBatchFn& on_batch);

}  // namespace pm2guard::lint
