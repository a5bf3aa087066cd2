#include "yaml_tree.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <istream>
#include <streambuf>
#include <tuple>
#include <unordered_set>

#include <fmt/format.h>

#include "yaml_scalar.h"

namespace pm2guard::lint::yaml {

namespace {

// ---------------------------------------------------------------------------
// A YAML tree built from yaml-cpp's parse events. YAML::Load would do, but it
// throws away everything on a syntax error; events delivered before the
// error still describe the jobs and steps above it, which are worth linting.

static_assert(sizeof(void*) != 8 || sizeof(Node) <= 48, "a YAML node costs 48 bytes at most");

}  // namespace

class TreeBuilder final : public YAML::EventHandler {
 public:
  explicit TreeBuilder(std::string_view text) : text_(text) {}
  const Node* root() const { return root_; }
  const std::deque<Node>& nodes() const { return arena_; }
  /// Closes what a syntax error left open: its items so far are its items.
  void finish() {
    while (!stack_.empty()) close();
  }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    add(make(Node::Kind::Null, mark, anchor));
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Node* target = anchor < anchors_.size() ? anchors_[anchor] : nullptr;
    add(target ? target : make(Node::Kind::Null, mark, 0));
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    Node* n = make(Node::Kind::Scalar, mark, anchor);
    size_t pos = mark.pos >= 0 ? static_cast<size_t>(mark.pos) : text_.size();
    if (pos < text_.size() && text_.compare(pos, value.size(), value) == 0)
      n->value = text_.substr(pos, value.size());
    else
      n->value = copies_.emplace_back(value);
    n->plain = tag == "?";
    n->reference = tag == "!reference";
    add(n);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Node* n = make(Node::Kind::Sequence, mark, anchor);
    n->reference = tag == "!reference";
    open(n);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(make(Node::Kind::Mapping, mark, anchor));
  }
  void OnMapEnd() override { close(); }

 private:
  Node* make(Node::Kind kind, const YAML::Mark& mark, YAML::anchor_t anchor) {
    Node& n = arena_.emplace_back();
    n.kind = kind;
    n.pos = mark.pos;
    n.column = mark.column;
    if (anchor != 0) {
      if (anchor >= anchors_.size()) anchors_.resize(anchor + 1, nullptr);
      anchors_[anchor] = &n;
    }
    return &n;
  }
  void add(Node* n) {
    if (!stack_.empty()) {
      pending_[stack_.size() - 1].push_back(n);
    } else if (!root_) {
      root_ = n;
    }
  }
  void open(Node* n) {
    add(n);
    stack_.push_back(n);
    if (pending_.size() < stack_.size()) pending_.emplace_back();
  }
  // A container's items are gathered in the list of its depth (reused by
  // the containers after it) and kept in an array of their exact size.
  void close() {
    if (stack_.empty()) return;
    Node* n = stack_.back();
    std::vector<const Node*>& items = pending_[stack_.size() - 1];
    stack_.pop_back();
    if (!items.empty()) {
      auto array = std::make_unique<const Node*[]>(items.size());
      std::copy(items.begin(), items.end(), array.get());
      n->item_array = array.get();
      n->count = static_cast<uint32_t>(items.size());
      arrays_.push_back(std::move(array));
    }
    items.clear();
    if (items.capacity() > 4096) std::vector<const Node*>().swap(items);  // a large one is not kept
  }

  std::string_view text_;
  std::deque<Node> arena_;           // stable addresses
  std::deque<std::string> copies_;   // values the text does not spell
  std::vector<std::unique_ptr<const Node*[]>> arrays_;  // the items of each container
  std::vector<Node*> stack_;                            // the containers open
  std::vector<std::vector<const Node*>> pending_;       // their items so far, by depth
  std::vector<Node*> anchors_;  // by yaml-cpp's anchor id
  Node* root_ = nullptr;
};

// The file's text as a stream for yaml-cpp, read in place (an
// istringstream would hold a second copy of the file).
namespace {

class TextStreamBuf final : public std::streambuf {
 public:
  explicit TextStreamBuf(std::string_view text) {
    char* p = const_cast<char*>(text.data());  // a get area is only read
    setg(p, p, p + text.size());
  }
};

// Records where the next document starts, and nothing else.
class DocumentStart final : public YAML::EventHandler {
 public:
  std::optional<YAML::Mark> mark;

  void OnDocumentStart(const YAML::Mark& m) override {
    if (!mark) mark = m;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

YAML::Mark mark_of(const Node* n) {
  YAML::Mark m;
  m.pos = n->pos;
  m.column = n->column;
  return m;
}

}  // namespace

// ---------------------------------------------------------------------------
// Mapping access. Keys are compared as written; the first occurrence of a
// duplicated key wins for settings. Merge keys (`<<: *defaults`, honoured by
// Gitea and Forgejo) are followed: aliases can form cycles (`&a {<<: *a}`)
// and share sources, so each mapping's sources are listed once, iteratively,
// each source once (a source reached again adds nothing: its entries are
// already there, with higher precedence), and at most kMaxMergeSources of
// them (reported by extract_scripts).

bool is_merge_key(const Node* k) { return k->is(Node::Kind::Scalar) && k->plain && k->value == "<<"; }

namespace {

bool equals_ci(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

// The mappings whose entries mapping `m` holds, highest precedence first: `m`
// itself, then its merge sources in order, each followed by its own (a
// preorder walk, with an explicit stack).
const std::vector<const Node*>& merge_sources(const Node* m) {
  if (m->merge) return m->merge->sources;
  m->merge = std::make_unique<MergeInfo>();
  std::vector<const Node*>& sources = m->merge->sources;
  std::vector<const Node*> stack{m};
  std::vector<const Node*> seen;  // few: a linear search
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    if (!n || !n->is(Node::Kind::Mapping) || std::find(seen.begin(), seen.end(), n) != seen.end()) continue;
    if (sources.size() >= kMaxMergeSources) {
      m->merge->truncated = true;
      break;
    }
    seen.push_back(n);
    sources.push_back(n);
    std::vector<const Node*> direct;
    for (size_t i = 0; i < n->pair_count(); ++i) {
      if (!is_merge_key(n->key(i))) continue;
      const Node* v = n->val(i);
      if (v->is(Node::Kind::Mapping)) direct.push_back(v);
      if (v->is(Node::Kind::Sequence)) direct.insert(direct.end(), v->items().begin(), v->items().end());
    }
    for (auto it = direct.rbegin(); it != direct.rend(); ++it) stack.push_back(*it);
  }
  return sources;
}

// Every direct entry for `key`; when there is none, the first one a merged
// mapping supplies.
std::vector<Entry> find_all(const Node* m, std::string_view key, bool ci) {
  std::vector<Entry> found;
  if (!m || !m->is(Node::Kind::Mapping)) return found;
  auto matches = [&](const Node* k) {
    return k->is(Node::Kind::Scalar) && (ci ? equals_ci(k->value, key) : k->value == key);
  };
  for (size_t i = 0; i < m->pair_count(); ++i) {
    if (matches(m->key(i))) found.push_back({m->key(i), m->val(i)});
  }
  if (!found.empty()) return found;
  const std::vector<const Node*>& sources = merge_sources(m);
  for (size_t s = 1; s < sources.size(); ++s) {
    const Node* src = sources[s];
    for (size_t i = 0; i < src->pair_count(); ++i)
      if (!is_merge_key(src->key(i)) && matches(src->key(i))) return {{src->key(i), src->val(i)}};
  }
  return found;
}


const Node* get(const Node* m, std::string_view key) { return find(m, key).value; }

const Node* get_path(const Node* m, std::initializer_list<std::string_view> path) {
  for (std::string_view k : path) m = get(m, k);
  return m;
}

Document::Document() : tree_(nullptr) {}
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;
Document::~Document() = default;

const Node* Document::root() const { return tree_ ? tree_->root() : nullptr; }

std::vector<uint32_t> Document::truncated_merges() const {
  std::vector<uint32_t> out;
  if (!tree_) return out;
  for (const Node& n : tree_->nodes())
    if (n.merge && n.merge->truncated) out.push_back(file_offset(&n));
  return out;
}

Document Document::parse(const SourceFile& file, unsigned skip) {
  Document doc;
  doc.tree_ = std::make_unique<TreeBuilder>(file.text);
  TreeBuilder& tree = *doc.tree_;
  TextStreamBuf buf(file.text);
  std::istream in(&buf);
  try {
    YAML::Parser parser(in);
    for (unsigned i = 0; i < skip; ++i) {
      DocumentStart skipped;
      if (!parser.HandleNextDocument(skipped)) break;
    }
    parser.HandleNextDocument(tree);
    // Whatever follows the first document is a second one (or a syntax
    // error, reported as such): never dropped unseen.
    DocumentStart next;
    try {
      parser.HandleNextDocument(next);
    } catch (const YAML::Exception&) {
      if (!next.mark) throw;  // broken before a document could start
    }
    if (next.mark) doc.second_document = next.mark->pos >= 0 ? static_cast<uint32_t>(next.mark->pos) : 0;
  } catch (const YAML::Exception& e) {
    FileError err{file.path, 1, 1, "invalid YAML: " + e.msg};
    if (e.mark.pos >= 0) {
      auto [line, col] = file.line_char_col(static_cast<uint32_t>(e.mark.pos));
      err.line = line;
      err.col = col;
    } else if (e.mark.line >= 0) {
      err.line = static_cast<uint32_t>(e.mark.line) + 1;
      err.col = static_cast<uint32_t>(std::max(e.mark.column, 0)) + 1;
    }
    doc.error = std::move(err);
  }
  tree.finish();
  return doc;
}

std::vector<Document> Document::parse_all(const SourceFile& file, size_t max, std::optional<uint32_t>& more_at) {
  std::vector<Document> docs;
  more_at.reset();
  TextStreamBuf buf(file.text);
  std::istream in(&buf);
  auto error_of = [&](const YAML::Exception& e) {
    FileError err{file.path, 1, 1, "invalid YAML: " + e.msg};
    if (e.mark.pos >= 0) {
      std::tie(err.line, err.col) = file.line_char_col(static_cast<uint32_t>(e.mark.pos));
    } else if (e.mark.line >= 0) {
      err.line = static_cast<uint32_t>(e.mark.line) + 1;
      err.col = static_cast<uint32_t>(std::max(e.mark.column, 0)) + 1;
    }
    return err;
  };
  try {
    YAML::Parser parser(in);
    for (;;) {
      if (docs.size() == max) {
        DocumentStart next;
        try {
          parser.HandleNextDocument(next);
        } catch (const YAML::Exception&) {
          next.mark = YAML::Mark();
        }
        if (next.mark) more_at = next.mark->pos > 0 ? static_cast<uint32_t>(next.mark->pos) : 0;
        break;
      }
      Document doc;
      doc.tree_ = std::make_unique<TreeBuilder>(file.text);
      bool got = false;
      try {
        got = parser.HandleNextDocument(*doc.tree_);
      } catch (const YAML::Exception& e) {
        doc.error = error_of(e);
        doc.tree_->finish();
        docs.push_back(std::move(doc));
        break;
      }
      doc.tree_->finish();
      if (!got) break;
      docs.push_back(std::move(doc));
    }
  } catch (const YAML::Exception& e) {
    Document doc;
    doc.error = error_of(e);
    docs.push_back(std::move(doc));
  }
  return docs;
}

Entry find(const Node* m, std::string_view key, bool ci) {
  auto all = find_all(m, key, ci);
  return all.empty() ? Entry{} : all.front();
}

MappedText scalar_text(const SourceFile& file, const Entry& e) {
  uint32_t anchor = file_offset(e.key);
  return map_scalar(file.text, mark_of(e.value), e.value->value, anchor, e.key->column);
}

MappedText item_text(const SourceFile& file, const Node* item, const Node* sequence) {
  return map_scalar(file.text, mark_of(item), item->value, file_offset(item), sequence ? sequence->column : -1);
}

void append_lines(const SourceFile& file, const Node* list, MappedText& out,
                  std::vector<std::pair<uint32_t, std::string>>& limits, int max_depth) {
  // An explicit stack: (list, next item), so that any nesting costs no
  // recursion.
  std::vector<std::pair<const Node*, size_t>> stack{{list, 0}};
  while (!stack.empty()) {
    auto& [l, i] = stack.back();
    if (i >= l->count) {
      stack.pop_back();
      continue;
    }
    const Node* item = l->items()[i++];
    if (item->is(Node::Kind::Scalar)) {
      out.append(item_text(file, item, l));
      out.append('\n', file_offset(item) + static_cast<uint32_t>(item->value.size()));
    } else if (item->is(Node::Kind::Sequence) && !item->reference) {
      if (static_cast<int>(stack.size()) >= max_depth) {
        limits.push_back({file_offset(item), fmt::format("analysis limit reached: command lists nested more than {} "
                                                         "deep; the lines inside are not read",
                                                         max_depth)});
        continue;
      }
      const Node* inner = item;
      stack.push_back({inner, 0});
    }
  }
}

void for_each_mapping(const Node* root, const std::string& root_label,
                      const std::function<void(const Node*, const std::string&)>& fn) {
  if (!root) return;
  std::unordered_set<const Node*> seen;
  std::vector<std::pair<const Node*, std::string>> stack{{root, root_label}};
  // A label stops growing past this length (deep nesting costs no
  // quadratic memory in labels).
  constexpr size_t kMaxLabel = 160;
  auto extend = [&](const std::string& label, const std::string& part) {
    if (label.size() >= kMaxLabel) return label.back() == '.' ? label : label + "...";
    return label + part;
  };
  while (!stack.empty()) {
    auto [n, label] = std::move(stack.back());
    stack.pop_back();
    if (!seen.insert(n).second) continue;
    if (n->is(Node::Kind::Mapping)) fn(n, label);
    // Children pushed last first, so that they are visited in file order.
    if (n->is(Node::Kind::Mapping)) {
      for (size_t i = n->pair_count(); i-- > 0;) {
        const Node* v = n->val(i);
        if (v->is(Node::Kind::Scalar) || v->is(Node::Kind::Null)) continue;
        auto key = scalar(n->key(i));
        std::string k(key.value_or("?"));
        stack.push_back({v, label.empty() ? k : extend(label, "." + k)});
      }
    } else if (n->is(Node::Kind::Sequence)) {
      for (size_t i = n->count; i-- > 0;) {
        const Node* v = n->items()[i];
        if (v->is(Node::Kind::Mapping) || v->is(Node::Kind::Sequence)) stack.push_back({v, extend(label, fmt::format("[{}]", i))});
      }
    }
  }
}

std::string merge_limit_message() {
  return fmt::format("analysis limit reached: a mapping merging more than {} mappings (`<<:`); the entries of the "
                     "others are not read",
                     kMaxMergeSources);
}

}  // namespace pm2guard::lint::yaml
