// How much of the current thread's stack is left: the last defence of the
// recursive walks over syntax trees, under their explicit depth bounds, so
// that no input can run a walk off the end of the stack (frames are larger
// under sanitizers, and stacks smaller on some hosts).
#pragma once

#include <cstddef>
#include <cstdint>

namespace pm2guard::lint {

class StackBudget {
 public:
  /// Measures the stack of the thread it is constructed on; `reserve` is
  /// the part of it that low() keeps free.
  explicit StackBudget(size_t reserve = 1 << 20);
  /// Less than `reserve` bytes of stack left below the caller's frame.
  /// Always false where the stack's bounds are not known.
  bool low() const {
    if (!lowest_) return false;
    char here;
    auto at = reinterpret_cast<uintptr_t>(&here);
    return at < lowest_ || at - lowest_ < reserve_;
  }

 private:
  uintptr_t lowest_ = 0;  // lowest usable address (the stack grows down)
  size_t reserve_;
};

}  // namespace pm2guard::lint
