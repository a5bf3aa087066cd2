#include "bitbucket.h"

#include "ci_yaml.h"
#include "yaml_tree.h"

namespace pm2guard::lint {

using yaml::Node;

ExtractResult read_bitbucket(const SourceFile& file, const ScriptBatchFn& on_batch) {
  ExtractResult result;
  yaml::Document doc = yaml::Document::parse(file);
  result.error = doc.error;
  const Node* root = doc.root();
  UnitBatches out(result, on_batch);
  if (root && root->is(Node::Kind::Mapping)) {
    {
      // Every step, wherever pipelines nest it (branches, parallel groups,
      // stages), and the steps definitions anchor for them: a mapping
      // holding `script:` is a step, read once however many aliases use it.
      yaml::for_each_mapping(root, "", [&](const Node* m, const std::string& label) {
        if (m == root) return;
        for (std::string_view key : {"script", "after-script"}) {
          std::optional<ScriptUnit> unit =
              command_unit(file, yaml::find(m, key), label + "." + std::string(key), result.limits);
          if (!unit) continue;
          unit->shell = "bash";  // Bitbucket runs the lines with bash where the image has it
          out.push(std::move(*unit));
        }
      });
    }
  } else if (!result.error) {
    result.error = FileError{file.path, 1, 1, "not a Bitbucket pipelines file: expected a mapping with `pipelines:`"};
  }
  out.finish();
  report_document_limits(file, doc, result);
  return result;
}

}  // namespace pm2guard::lint
