#include "package_json.h"

#include "json_document.h"

namespace pm2guard::lint {

PackageScripts read_package_json(const SourceFile& file) {
  PackageScripts result;
  JsonDocument doc = JsonDocument::parse(file.text);
  if (const auto& e = doc.error()) {
    auto [line, col] = file.line_char_col(e->offset);
    result.error = FileError{file.path, line, col, e->message};
  }
  const JsonDocument::Value* root = doc.root();
  const JsonDocument::Value* scripts = root ? doc.get(*root, "scripts") : nullptr;
  if (!scripts) return result;
  for (const JsonDocument::Member* m : doc.members(*scripts)) {
    const JsonDocument::Value& v = doc.value(m->value);
    if (v.kind != JsonDocument::Kind::String) continue;
    ScriptUnit unit;
    unit.text = v.string;
    unit.shell = "sh";  // npm runs a script with `sh -c`
    unit.origin = ScriptOrigin::ShellFile;
    unit.label = "scripts." + m->key.text();
    unit.anchor = m->key_begin;
    result.scripts.push_back(std::move(unit));
    result.names.push_back(m->key.text());
  }
  return result;
}

size_t PackageScripts::find(std::string_view name) const {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return i;
  }
  return npos;
}

std::vector<size_t> PackageScripts::run_sequence(std::string_view name) const {
  std::vector<size_t> sequence;
  size_t main = find(name);
  if (main == npos) return sequence;
  std::string n(name);
  if (size_t pre = find("pre" + n); pre != npos) sequence.push_back(pre);
  sequence.push_back(main);
  if (size_t post = find("post" + n); post != npos) sequence.push_back(post);
  return sequence;
}

}  // namespace pm2guard::lint
