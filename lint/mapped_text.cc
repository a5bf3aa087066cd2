#include "mapped_text.h"

#include <algorithm>

namespace pm2guard::lint {

MappedText MappedText::verbatim(std::string_view text, uint32_t file_offset) {
  MappedText m;
  m.append(text, file_offset);
  m.end_origin_ = file_offset + static_cast<uint32_t>(text.size());
  return m;
}

MappedText MappedText::anchored(std::string_view text, uint32_t file_offset) {
  MappedText m;
  m.append_anchored(text, file_offset);
  return m;
}

uint32_t MappedText::origin(size_t i) const { return i < origin_.size() ? origin_[i] : end_origin_; }

void MappedText::append(char c, uint32_t file_offset) {
  text_ += c;
  origin_.push_back(file_offset);
  end_origin_ = file_offset + 1;
}

void MappedText::append(std::string_view s, uint32_t first) {
  for (size_t i = 0; i < s.size(); ++i) append(s[i], first + static_cast<uint32_t>(i));
}

void MappedText::append_anchored(std::string_view s, uint32_t file_offset) {
  text_.append(s);
  origin_.insert(origin_.end(), s.size(), file_offset);
  end_origin_ = file_offset;
  if (!s.empty()) exact_ = false;
}

void MappedText::append(const MappedText& other, size_t from, size_t to) {
  to = std::min(to, other.size());
  for (size_t i = from; i < to; ++i) {
    text_ += other.text_[i];
    origin_.push_back(other.origin_[i]);
  }
  end_origin_ = other.origin(to);
  if (!other.exact_) exact_ = false;
}

MappedText MappedText::slice(size_t from, size_t to) const {
  MappedText m;
  m.append(*this, from, to);
  m.exact_ = exact_;
  return m;
}

}  // namespace pm2guard::lint
