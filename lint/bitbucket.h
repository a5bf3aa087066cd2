// Bitbucket Pipelines as a source of shell scripts: the `script:` and
// `after-script:` of every step under `pipelines:` (default, branches,
// tags, pull-requests, custom; parallel groups and stages) and of the
// steps `definitions:` names for anchors, each list item a line.
#pragma once

#include "source.h"
#include "workflow.h"

namespace pm2guard::lint {

ExtractResult read_bitbucket(const SourceFile& file, const ScriptBatchFn& on_batch);

}  // namespace pm2guard::lint
