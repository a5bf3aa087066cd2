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

uint32_t MappedText::origin(size_t i) const { return i < origin_.size() ? origin_[i] : end_origin_; }

void MappedText::append(char c, uint32_t file_offset) {
  text_.push_back(c);
  origin_.push_back(file_offset);
  end_origin_ = file_offset + 1;
}

void MappedText::append(std::string_view s, uint32_t file_offset_of_first) {
  if (s.empty()) return;
  text_.append(s);
  origin_.reserve(origin_.size() + s.size());
  for (size_t i = 0; i < s.size(); ++i) origin_.push_back(file_offset_of_first + static_cast<uint32_t>(i));
  end_origin_ = file_offset_of_first + static_cast<uint32_t>(s.size());
}

void MappedText::append_anchored(std::string_view s, uint32_t file_offset) {
  if (s.empty()) return;
  text_.append(s);
  origin_.insert(origin_.end(), s.size(), file_offset);
  end_origin_ = file_offset;
  exact_ = false;
}

void MappedText::append(const MappedText& other, size_t from, size_t to) {
  to = std::min(to, other.size());
  if (from >= to) return;
  text_.append(other.text_, from, to - from);
  origin_.insert(origin_.end(), other.origin_.begin() + static_cast<std::ptrdiff_t>(from),
                 other.origin_.begin() + static_cast<std::ptrdiff_t>(to));
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
