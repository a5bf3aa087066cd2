// The shim's audit log as the end-to-end tests read it: one record per
// command as it ended — a refusal or fault ("final"), or the completion
// ("end") of a command pm2 ran — with the write-ahead "start" record of
// every "end" checked on the way (same id, same targets and table before,
// no exit status yet) and none left without its end.
#pragma once

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pm2guard::testing {

inline std::vector<nlohmann::json> completed_audit_records(const std::string& log_path) {
  std::vector<nlohmann::json> out;
  std::map<std::string, nlohmann::json> started;
  std::ifstream in(log_path);
  for (std::string line; std::getline(in, line);) {
    nlohmann::json j = nlohmann::json::parse(line);
    std::string id = j["id"], phase = j["phase"];
    if (phase == "start") {
      CHECK(started.emplace(id, j).second);
      continue;
    }
    if (phase == "end") {
      INFO("end record " << id);
      REQUIRE(started.count(id) == 1);
      CHECK(started[id]["targets"] == j["targets"]);
      CHECK(started[id]["before"] == j["before"]);
      CHECK(started[id]["exit_code"].is_null());
      started.erase(id);
    }
    out.push_back(std::move(j));
  }
  CHECK(started.empty());  // no command was left without its end record
  return out;
}

}  // namespace pm2guard::testing
