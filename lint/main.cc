// pm2guard: the command-line front door (lint, explain, rules, shim admin).
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return pm2guard::cli::run(args, std::cout, std::cerr);
}
