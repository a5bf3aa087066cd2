// Fixtures for the shim rules' tests: a parsed invocation, live processes
// and the facts the rules read.
#pragma once

#include <catch2/catch.hpp>

#include "runtime.h"
#include "test_support.h"

namespace pm2guard::testing {

struct Fixture {
  Invocation inv;
  Pm2Call call;
  RuntimeFacts f;
  explicit Fixture(const std::string& line, std::vector<LiveProcess> procs, std::vector<int> targets) {
    inv = testing::inv(line);
    call = parse_pm2_call(inv);
    f.inv = &inv;
    f.call = &call;
    f.processes = std::move(procs);
    f.targets = std::move(targets);
  }
  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    for (const Finding& x : check_runtime(f)) out.push_back(x.rule);
    return out;
  }
};

inline std::vector<LiveProcess> five() {
  return {{0, "flyer-api", "default", "online", false, "projectium/flyer"},
          {1, "flyer-worker", "default", "online", false, "projectium/flyer"},
          {2, "flyer-api-test", "default", "online", false, "projectium/flyer"},
          {3, "stock-alert-api", "default", "online", false, "projectium/stock-alert"},
          {4, "billing-api", "other", "online", false, ""}};
}

using V = std::vector<std::string>;

}  // namespace pm2guard::testing

