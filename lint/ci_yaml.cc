#include "ci_yaml.h"

namespace pm2guard::lint {

using yaml::Node;

std::optional<ScriptUnit> command_unit(const SourceFile& file, const yaml::Entry& e, std::string label,
                                       std::vector<ExtractResult::Limit>& limits, int max_depth) {
  if (!e.key || !e.value) return std::nullopt;
  ScriptUnit unit;
  unit.anchor = yaml::file_offset(e.key);
  unit.label = std::move(label);
  if (e.value->is(Node::Kind::Scalar)) {
    unit.text = yaml::scalar_text(file, e);
  } else if (e.value->is(Node::Kind::Sequence) && !e.value->reference) {
    std::vector<std::pair<uint32_t, std::string>> deep;
    yaml::append_lines(file, e.value, unit.text, deep, max_depth);
    for (auto& [offset, message] : deep) limits.push_back({offset, std::move(message)});
  }
  if (unit.text.empty()) return std::nullopt;
  return unit;
}

void report_document_limits(const SourceFile& file, const yaml::Document& doc, ExtractResult& result,
                            std::string_view why) {
  for (uint32_t offset : doc.truncated_merges()) result.limits.push_back({offset, yaml::merge_limit_message()});
  if (doc.second_document && !result.error) {
    auto [line, col] = file.line_char_col(*doc.second_document);
    result.error = FileError{file.path, line, col, "another YAML document starts here; " + std::string(why)};
  }
}

EnvMap literal_variables(const Node* vars) {
  EnvMap out;
  yaml::for_each_entry(yaml::as(vars, Node::Kind::Mapping), [&](const Node* k, const Node* v) {
    if (!k->is(Node::Kind::Scalar)) return;
    if (v->is(Node::Kind::Mapping)) {
      const Node* value = yaml::get(v, "value");
      if (!value) {  // `from_secret: name`: known at run time only
        out.set(std::string(k->value), EnvValue{"", false});
        return;
      }
      v = value;
    }
    if (v->is(Node::Kind::Null)) {
      out.set(std::string(k->value), EnvValue{"", true});
    } else if (v->is(Node::Kind::Scalar)) {
      out.set(std::string(k->value), EnvValue{std::string(v->value), v->value.find('$') == std::string_view::npos});
    } else {
      out.set(std::string(k->value), EnvValue{"", false});
    }
  });
  return out;
}

}  // namespace pm2guard::lint
