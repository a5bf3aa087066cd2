#include "woodpecker_drone.h"

#include <string>

#include <fmt/format.h>

#include "ci_yaml.h"
#include "yaml_tree.h"

namespace pm2guard::lint {

namespace {

using yaml::as;
using yaml::Entry;
using yaml::file_offset;
using yaml::for_each_entry;
using yaml::get;
using yaml::Node;

// A Drone file is one document per pipeline; past this many the rest is
// reported, not read.
constexpr unsigned kMaxDocuments = 256;

class Reader {
 public:
  Reader(const SourceFile& file, ExtractResult& result, const ScriptBatchFn& on_batch)
      : file_(file), result_(result), out_(result, on_batch) {}

  void read(const Node* root, const std::string& prefix) {
    for (std::string_view key : {"steps", "pipeline"}) {
      Entry e = yaml::find(root, key);
      if (!e.value) continue;
      if (const Node* list = as(e.value, Node::Kind::Sequence)) {
        for (size_t i = 0; i < list->count; ++i)
          step(list->items()[i], fmt::format("{}{}[{}]", prefix, key, i));
      } else if (e.value->is(Node::Kind::Mapping)) {
        for_each_entry(e.value, [&](const Node* k, const Node* v) {
          if (auto name = yaml::scalar(k)) step(v, fmt::format("{}{}.{}", prefix, key, *name));
        });
      }
    }
    out_.finish();
  }

 private:
  void step(const Node* s, const std::string& label) {
    if (!as(s, Node::Kind::Mapping)) return;
    Env env(literal_variables(get(s, "environment")));
    add(yaml::find(s, "commands"), env, label + ".commands", ScriptOrigin::RunStep, "");
    // The ssh plugin: its script runs on the host it logs in to.
    if (auto image = yaml::scalar(get(s, "image"))) {
      std::string docker = "docker://" + std::string(*image);
      if (const SshActionSpec* spec = find_ssh_action(docker)) {
        const Node* settings = as(get(s, "settings"), Node::Kind::Mapping);
        for (std::string_view input : spec->script_inputs) {
          add(yaml::find(settings, input, /*ci=*/true), Env{}, label + ".settings." + std::string(input),
              ScriptOrigin::RemoteScript, "docker://" + normalise_docker_image(docker));
        }
      }
    }
  }

  void add(const Entry& e, const Env& env, std::string label, ScriptOrigin origin, std::string action) {
    std::optional<ScriptUnit> unit = command_unit(file_, e, std::move(label), result_.limits);
    if (!unit) return;
    unit->shell = "sh";  // the step's image runs the commands with /bin/sh
    unit->origin = origin;
    unit->action = std::move(action);
    unit->env = env;
    unit->expression_env = env;
    out_.push(std::move(*unit));
  }

  const SourceFile& file_;
  ExtractResult& result_;
  UnitBatches out_;
};

}  // namespace

ExtractResult read_woodpecker_drone(const SourceFile& file, const ScriptBatchFn& on_batch) {
  ExtractResult result;
  std::optional<uint32_t> more;
  std::vector<yaml::Document> docs = yaml::Document::parse_all(file, kMaxDocuments, more);
  for (size_t d = 0; d < docs.size(); ++d) {
    const yaml::Document& doc = docs[d];
    const Node* root = doc.root();
    if (root && root->is(Node::Kind::Mapping)) {
      Reader(file, result, on_batch).read(root, docs.size() == 1 ? "" : fmt::format("document {}: ", d + 1));
    } else if (!doc.error && docs.size() == 1) {
      result.error = FileError{file.path, 1, 1, "not a pipeline: expected a mapping with `steps:`"};
    }
    for (uint32_t offset : doc.truncated_merges()) result.limits.push_back({offset, yaml::merge_limit_message()});
    if (doc.error) result.error = doc.error;
  }
  if (more)
    result.limits.push_back({*more, fmt::format("analysis limit reached: more than {} pipelines (YAML documents); the "
                                            "others are not read",
                                            kMaxDocuments)});
  return result;
}

}  // namespace pm2guard::lint
