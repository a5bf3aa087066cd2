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

inline LiveProcess lp(int id, std::string name, std::string ns = "default", std::string owner = "",
                      std::string exec_path = "", bool module = false) {
  LiveProcess p;
  p.id = id;
  p.name = std::move(name);
  p.ns = std::move(ns);
  p.status = "online";
  p.module = module;
  p.owner = std::move(owner);
  p.exec_path = exec_path.empty() ? "/srv/" + p.name + "/index.js" : std::move(exec_path);
  return p;
}

inline std::vector<LiveProcess> five() {
  return {lp(0, "flyer-api", "default", "projectium/flyer"), lp(1, "flyer-worker", "default", "projectium/flyer"),
          lp(2, "flyer-api-test", "default", "projectium/flyer"),
          lp(3, "stock-alert-api", "default", "projectium/stock-alert"), lp(4, "billing-api", "other")};
}

using V = std::vector<std::string>;

}  // namespace pm2guard::testing

