// The YAML reader every YAML source shares (workflows and actions, GitLab
// CI, Woodpecker and Drone, Bitbucket, CircleCI, pm2 ecosystem files): a
// tree built from yaml-cpp's parse events, which keeps what was read before
// a syntax error (YAML::Load throws it all away: the jobs above a broken one
// are still worth linting), and mapping access that follows merge keys
// (`<<: *defaults`) the way the runners do, each source once, at most
// kMaxMergeSources of them.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mapped_text.h"
#include "source.h"

namespace pm2guard::lint::yaml {

struct Node;

/// A mapping's merge sources (merge_sources), computed once.
struct MergeInfo {
  std::vector<const Node*> sources;
  bool truncated = false;
};

/// 48 bytes: a file of 50,000 `env` keys is 100,000 of them.
struct Node {
  enum class Kind : uint8_t { Null, Scalar, Sequence, Mapping };
  /// Sequence items; mapping keys and values, alternating.
  struct Items {
    const Node* const* first;
    uint32_t n;
    const Node* const* begin() const { return first; }
    const Node* const* end() const { return first + n; }
    size_t size() const { return n; }
    bool empty() const { return n == 0; }
    const Node* operator[](size_t i) const { return first[i]; }
  };

  Kind kind = Kind::Null;
  bool plain = false;  ///< untagged plain scalar: only such a `<<` is a merge key
  bool reference = false;  ///< tagged `!reference` (GitLab's reference to another job's keys)
  uint32_t count = 0;  ///< of items
  /// Where the node starts (an aliased node keeps its anchor's, like
  /// YAML::Load): byte offset and column, -1 when yaml-cpp gives none.
  int32_t pos = -1;
  int32_t column = -1;
  const Node* const* item_array = nullptr;
  /// A scalar's value: the file's own bytes where they spell it (most plain
  /// scalars), else a copy the tree keeps.
  std::string_view value;
  mutable std::unique_ptr<MergeInfo> merge;

  bool is(Kind k) const { return kind == k; }
  Items items() const { return {item_array, count}; }
  size_t pair_count() const { return kind == Kind::Mapping ? count / 2 : 0; }
  const Node* key(size_t i) const { return item_array[2 * i]; }
  const Node* val(size_t i) const { return item_array[2 * i + 1]; }
};

class TreeBuilder;

/// One parsed file: its first document as a tree, and what stopped or
/// followed it.
class Document {
 public:
  /// Parses the first document of `file` (the one after `skip` others);
  /// never throws for bad YAML.
  static Document parse(const SourceFile& file, unsigned skip = 0);
  /// Every document of `file`, at most `max` of them, in one pass (a Drone
  /// file holds one pipeline per document). An error ends the list: the
  /// last document then has it. `more_at` is set, to where the next
  /// document starts, when documents are left past `max`.
  static std::vector<Document> parse_all(const SourceFile& file, size_t max, std::optional<uint32_t>& more_at);
  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  ~Document();

  /// The first document's root; null for an empty file.
  const Node* root() const;
  /// "invalid YAML: ..." at its position, when the file is not valid YAML;
  /// the tree then holds what was read before the error.
  std::optional<FileError> error;
  /// File offset where a document after the one read starts (or where the
  /// parser found one), when there is one.
  std::optional<uint32_t> second_document;
  /// File offsets of the mappings whose merge sources were cut at
  /// kMaxMergeSources (known once they have been read).
  std::vector<uint32_t> truncated_merges() const;

 private:
  Document();
  std::unique_ptr<TreeBuilder> tree_;
};

constexpr size_t kMaxMergeSources = 256;

struct Entry {
  const Node* key = nullptr;
  const Node* value = nullptr;
};

bool is_merge_key(const Node* k);
/// The mappings whose entries `m` holds, highest precedence first: `m`
/// itself, then its merge sources in order, each followed by its own.
const std::vector<const Node*>& merge_sources(const Node* m);
/// Every direct entry for `key`; when there is none, the first one a merged
/// mapping supplies. `ci`: keys compared ignoring ASCII case.
std::vector<Entry> find_all(const Node* m, std::string_view key, bool ci = false);
/// The first of find_all (the first occurrence of a duplicated key wins).
Entry find(const Node* m, std::string_view key, bool ci = false);
const Node* get(const Node* m, std::string_view key);
const Node* get_path(const Node* m, std::initializer_list<std::string_view> path);
/// `n` when it is of `kind`, else null.
inline const Node* as(const Node* n, Node::Kind kind) { return n && n->is(kind) ? n : nullptr; }
inline uint32_t file_offset(const Node* n) { return n && n->pos > 0 ? static_cast<uint32_t>(n->pos) : 0; }
/// The scalar value of `n`, or nullopt when it is no scalar.
inline std::optional<std::string_view> scalar(const Node* n) {
  if (!n || !n->is(Node::Kind::Scalar)) return std::nullopt;
  return n->value;
}

/// Every entry of a mapping, merged ones first so that explicit entries
/// (and earlier merge sources) are visited last and win when applied in
/// order.
template <typename Fn>
void for_each_entry(const Node* m, Fn&& fn) {
  if (!m || !m->is(Node::Kind::Mapping)) return;
  const std::vector<const Node*>& sources = merge_sources(m);
  for (auto it = sources.rbegin(); it != sources.rend(); ++it) {
    const Node* n = *it;
    for (size_t i = 0; i < n->pair_count(); ++i) {
      if (!is_merge_key(n->key(i))) fn(n->key(i), n->val(i));
    }
  }
}

/// The text of the scalar `e.value`, mapped byte by byte to the file; the
/// key's offset where the decoding cannot be exact.
MappedText scalar_text(const SourceFile& file, const Entry& e);
/// The same for a scalar item of a sequence, whose parent indentation is
/// the sequence's column.
MappedText item_text(const SourceFile& file, const Node* item, const Node* sequence);

/// Appends the lines of a CI system's command list to `out`, one scalar
/// item a line, nested lists flattened (at most `max_depth` deep, deeper
/// ones reported in `limits` as offset and message); items tagged
/// `!reference` and mappings (a Bitbucket `pipe:`) are left out.
void append_lines(const SourceFile& file, const Node* list, MappedText& out,
                  std::vector<std::pair<uint32_t, std::string>>& limits, int max_depth = 10);

/// Calls fn(mapping, label) for every mapping under `root` (itself
/// included), each once however many aliases reach it, depth first in file
/// order, with a label of the path to it ("pipelines.default[0].step");
/// iterative, so any nesting costs no recursion.
void for_each_mapping(const Node* root, const std::string& root_label,
                      const std::function<void(const Node*, const std::string&)>& fn);

/// The message every YAML source gives a truncated merge.
std::string merge_limit_message();

}  // namespace pm2guard::lint::yaml
