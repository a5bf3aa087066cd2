#include "circleci.h"

#include <fmt/format.h>

#include "ci_yaml.h"
#include "yaml_tree.h"

namespace pm2guard::lint {

using yaml::Node;

ExtractResult read_circleci(const SourceFile& file, const ScriptBatchFn& on_batch) {
  ExtractResult result;
  yaml::Document doc = yaml::Document::parse(file);
  result.error = doc.error;
  const Node* root = doc.root();
  UnitBatches out(result, on_batch);
  if (root && root->is(Node::Kind::Mapping)) {
    for (std::string_view top : {"jobs", "commands"}) {
      yaml::for_each_entry(yaml::as(yaml::get(root, top), Node::Kind::Mapping), [&](const Node* k, const Node* job) {
        auto name = yaml::scalar(k);
        const Node* steps = yaml::as(yaml::get(job, "steps"), Node::Kind::Sequence);
        if (!name || !steps) return;
        Env job_env(literal_variables(yaml::get(job, "environment")));
        for (size_t i = 0; i < steps->count; ++i) {
          const Node* step = steps->items()[i];
          yaml::Entry run = yaml::find(step, "run");
          if (!run.value) continue;
          std::string label = fmt::format("{}.{}.steps[{}].run", top, *name, i);
          Env env = job_env;
          if (run.value->is(Node::Kind::Mapping)) {
            env = job_env.with(literal_variables(yaml::get(run.value, "environment")));
            run = yaml::find(run.value, "command");
            if (!run.value || !run.value->is(Node::Kind::Scalar)) continue;
          }
          std::optional<ScriptUnit> unit = command_unit(file, run, std::move(label), result.limits);
          if (!unit) continue;
          unit->shell = "bash";  // CircleCI's default shell: /bin/bash where the image has it
          unit->env = env;
          unit->expression_env = env;
          out.push(std::move(*unit));
        }
      });
    }
  } else if (!result.error) {
    result.error = FileError{file.path, 1, 1, "not a CircleCI config: expected a mapping with `jobs:`"};
  }
  out.finish();
  report_document_limits(file, doc, result);
  return result;
}

}  // namespace pm2guard::lint
