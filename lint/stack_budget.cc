#include "stack_budget.h"

#include <pthread.h>

namespace pm2guard::lint {

namespace {

// The lowest usable stack address of the calling thread, 0 when unknown;
// measured once per thread (for the main thread glibc reads /proc/self/maps).
uintptr_t measure_lowest() {
#if defined(__linux__)
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
  void* addr = nullptr;
  size_t size = 0;
  uintptr_t lowest = 0;
  if (pthread_attr_getstack(&attr, &addr, &size) == 0 && addr && size > 0) {
    // The main thread's stack as glibc reports it (from RLIMIT_STACK, which
    // may be "unlimited") can claim more than will ever be mapped; never
    // count on more than 1 GiB.
    auto top = reinterpret_cast<uintptr_t>(addr) + size;
    size_t usable = size < (size_t{1} << 30) ? size : (size_t{1} << 30);
    lowest = top - usable;
  }
  pthread_attr_destroy(&attr);
  return lowest;
#else
  return 0;
#endif
}

}  // namespace

StackBudget::StackBudget(size_t reserve) : reserve_(reserve) {
  thread_local const uintptr_t lowest = measure_lowest();
  lowest_ = lowest;
}

}  // namespace pm2guard::lint
