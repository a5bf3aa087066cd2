// Test names reach ctest through catch_discover_tests: a ';' splits a name
// into entries that match nothing (and pass without running), a leading '-'
// reads as a Catch option. Every test name must be safe.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace fs = std::filesystem;

TEST_CASE("every test name survives ctest discovery", "[hygiene]") {
  const std::regex test_case(R"re(TEST_CASE\("([^"]*)")re");
  size_t seen = 0;
  for (const char* dir : {"rules", "lint", "shim", "tests"}) {
    for (const auto& e : fs::recursive_directory_iterator(fs::path(PM2GUARD_SOURCE_DIR) / dir)) {
      if (!e.is_regular_file() || e.path().extension() != ".cc") continue;
      std::ifstream in(e.path());
      std::stringstream ss;
      ss << in.rdbuf();
      std::string text = ss.str();
      for (auto it = std::sregex_iterator(text.begin(), text.end(), test_case); it != std::sregex_iterator(); ++it) {
        std::string name = (*it)[1];
        if (name.empty() || name == "every test name survives ctest discovery") continue;
        ++seen;
        INFO(e.path().string() << ": " << name);
        CHECK(name.find(';') == std::string::npos);
        CHECK(name[0] != '-');
      }
    }
  }
  CHECK(seen > 100);
}
