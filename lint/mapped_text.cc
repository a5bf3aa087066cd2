#include "mapped_text.h"

#include <algorithm>

namespace pm2guard::lint {

MappedText MappedText::verbatim(std::string_view text, uint32_t file_offset) {
  MappedText m;
  m.append(text, file_offset);
  if (text.empty()) m.end_origin_ = file_offset;
  return m;
}

MappedText MappedText::anchored(std::string_view text, uint32_t file_offset) {
  MappedText m;
  m.append_anchored(text, file_offset);
  m.end_origin_ = file_offset;
  m.exact_ = false;
  return m;
}

size_t MappedText::run_at(size_t i) const {
  // Most lookups walk a text forwards: try the run of the previous one and
  // its successor before searching.
  size_t h = hint_;
  if (h < runs_.size() && runs_[h].at <= i) {
    if (h + 1 == runs_.size() || i < runs_[h + 1].at) return h;
    if (h + 2 == runs_.size() || i < runs_[h + 2].at) return hint_ = h + 1;
  }
  auto it = std::upper_bound(runs_.begin(), runs_.end(), i, [](size_t v, const Run& r) { return v < r.at; });
  return hint_ = static_cast<size_t>(it - runs_.begin()) - 1;
}

uint32_t MappedText::origin(size_t i) const {
  if (i >= text_.size()) return end_origin_;
  const Run& r = runs_[run_at(i)];
  return r.anchored ? r.origin : r.origin + static_cast<uint32_t>(i - r.at);
}

void MappedText::add_run(uint32_t origin, bool anchored) {
  uint32_t at = static_cast<uint32_t>(text_.size());
  if (!runs_.empty()) {
    const Run& last = runs_.back();
    // The bytes go on where the last run left off: nothing to record.
    uint32_t next = last.anchored ? last.origin : last.origin + (at - last.at);
    if (last.anchored == anchored && next == origin) return;
  }
  runs_.push_back({at, origin, anchored});
}

void MappedText::append(char c, uint32_t file_offset) {
  add_run(file_offset, false);
  text_.push_back(c);
  end_origin_ = file_offset + 1;
}

void MappedText::append(std::string_view s, uint32_t file_offset_of_first) {
  if (s.empty()) return;
  add_run(file_offset_of_first, false);
  text_.append(s);
  end_origin_ = file_offset_of_first + static_cast<uint32_t>(s.size());
}

void MappedText::append_anchored(std::string_view s, uint32_t file_offset) {
  if (s.empty()) return;
  add_run(file_offset, true);
  text_.append(s);
  end_origin_ = file_offset;
  exact_ = false;
}

void MappedText::append(const MappedText& other, size_t from, size_t to) {
  to = std::min(to, other.size());
  if (from >= to) return;
  size_t k = other.run_at(from);
  for (size_t pos = from; pos < to; ++k) {
    const Run& r = other.runs_[k];
    size_t run_end = k + 1 < other.runs_.size() ? other.runs_[k + 1].at : other.size();
    size_t piece_end = std::min(run_end, to);
    uint32_t o = r.anchored ? r.origin : r.origin + static_cast<uint32_t>(pos - r.at);
    add_run(o, r.anchored);
    text_.append(other.text_, pos, piece_end - pos);
    pos = piece_end;
  }
  end_origin_ = other.origin(to);
  // Exactness is tracked per text, not per byte: a piece of an inexact text
  // may be exact, but cannot be told apart.
  exact_ = exact_ && other.exact_;
}

MappedText MappedText::slice(size_t from, size_t to) const {
  MappedText m;
  to = std::min(to, size());
  from = std::min(from, to);
  m.append(*this, from, to);
  if (from == to) m.end_origin_ = origin(from);
  m.exact_ = exact_;
  return m;
}

}  // namespace pm2guard::lint
