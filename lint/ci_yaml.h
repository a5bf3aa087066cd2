// What the YAML CI sources (GitLab CI, Woodpecker and Drone, Bitbucket,
// CircleCI) share: a script unit from a `key: commands` entry, and the
// hand-over of units in batches.
#pragma once

#include <optional>
#include <string>

#include "workflow.h"
#include "yaml_tree.h"

namespace pm2guard::lint {

/// The script of `e.value`: a string as one script, a list as one line per
/// item (yaml::append_lines), anchored at the key; nullopt for anything
/// else or nothing to run. Lists nested past `max_depth` go to `limits`.
std::optional<ScriptUnit> command_unit(const SourceFile& file, const yaml::Entry& e, std::string label,
                                       std::vector<ExtractResult::Limit>& limits, int max_depth = 10);

/// Collects units and hands them to the batch function kScriptBatch at a
/// time (all that are left on finish()).
class UnitBatches {
 public:
  UnitBatches(ExtractResult& result, const ScriptBatchFn& on_batch) : result_(result), on_batch_(on_batch) {}
  void push(ScriptUnit unit) {
    result_.scripts.push_back(std::move(unit));
    if (result_.scripts.size() >= kScriptBatch) finish();
  }
  void finish() {
    if (on_batch_ && !result_.scripts.empty()) {
      on_batch_(result_.scripts);
      result_.scripts.clear();
    }
  }

 private:
  ExtractResult& result_;
  const ScriptBatchFn& on_batch_;
};

/// What every single-document YAML CI reader reports after reading `doc`:
/// the merges cut at their bound, and a second document (which it does
/// not read) as the file's error at its start, with `why` after "another
/// YAML document starts here" (unless an error is already set).
void report_document_limits(const SourceFile& file, const yaml::Document& doc, ExtractResult& result,
                            std::string_view why = "only the first is linted");

/// A mapping's literal constants for the scripts it runs (`environment:`,
/// `variables:`): a scalar value is literal unless it expands a variable
/// (`$`); `{value: ...}` (GitLab) is read for its value; any other value
/// (`from_secret:`) is known at run time only.
EnvMap literal_variables(const yaml::Node* vars);

}  // namespace pm2guard::lint
