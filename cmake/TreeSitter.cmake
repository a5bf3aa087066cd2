# tree-sitter core and the grammars, compiled from the sources that
# `npm ci --ignore-scripts --prefix third_party` fetched and verified against
# the integrity hashes in third_party/package-lock.json.
set(PM2GUARD_NPM_MODULES "${PROJECT_SOURCE_DIR}/third_party/node_modules")
set(TS_CORE_DIR "${PM2GUARD_NPM_MODULES}/tree-sitter/vendor/tree-sitter/lib")
set(TS_BASH_DIR "${PM2GUARD_NPM_MODULES}/tree-sitter-bash/src")
if(NOT EXISTS "${TS_CORE_DIR}/src/lib.c" OR NOT EXISTS "${TS_BASH_DIR}/parser.c")
  message(FATAL_ERROR
    "tree-sitter sources are missing: run `npm ci --ignore-scripts --prefix third_party` first")
endif()

add_library(ts_core STATIC "${TS_CORE_DIR}/src/lib.c")
target_include_directories(ts_core PRIVATE "${TS_CORE_DIR}/src")
target_include_directories(ts_core SYSTEM PUBLIC "${TS_CORE_DIR}/include")
target_compile_definitions(ts_core PRIVATE _POSIX_C_SOURCE=200112L _DEFAULT_SOURCE)
set_target_properties(ts_core PROPERTIES C_STANDARD 11 C_EXTENSIONS OFF POSITION_INDEPENDENT_CODE ON)
target_compile_options(ts_core PRIVATE -w -O2)

# One static library per grammar: `ts_<name>` from the package's src/
# directory (`<package>/<subdir>` for packages holding several grammars),
# its generated parser.c and, when the grammar has one, its external
# scanner. Generated code builds without warnings (-w); consumers declare
# `extern "C" const TSLanguage *tree_sitter_<name>(void);`.
function(pm2guard_ts_grammar name src_dir)
  if(NOT EXISTS "${src_dir}/parser.c")
    message(FATAL_ERROR
      "tree-sitter grammar `${name}` is missing (${src_dir}/parser.c): "
      "run `npm ci --ignore-scripts --prefix third_party` first")
  endif()
  set(sources "${src_dir}/parser.c")
  if(EXISTS "${src_dir}/scanner.c")
    list(APPEND sources "${src_dir}/scanner.c")
  endif()
  add_library(ts_${name} STATIC ${sources})
  target_include_directories(ts_${name} PRIVATE "${src_dir}")
  set_target_properties(ts_${name} PROPERTIES C_STANDARD 11 C_EXTENSIONS OFF POSITION_INDEPENDENT_CODE ON)
  target_compile_options(ts_${name} PRIVATE -w -O2)
  target_link_libraries(ts_${name} PUBLIC ts_core)
endfunction()

# Shell scripts: workflows' `run:`, *.sh, and every command string of the
# other sources.
pm2guard_ts_grammar(bash "${TS_BASH_DIR}")
# The other places deploy commands live (issue 9). Each package's
# src/parser.c is generated for ABI 14 or 15, both of which the 0.25 core
# loads (lint/grammars_test.cc checks it).
pm2guard_ts_grammar(json "${PM2GUARD_NPM_MODULES}/tree-sitter-json/src")              # package.json, ecosystem*.json
pm2guard_ts_grammar(make "${PM2GUARD_NPM_MODULES}/tree-sitter-make/src")              # Makefile, *.mk
pm2guard_ts_grammar(javascript "${PM2GUARD_NPM_MODULES}/tree-sitter-javascript/src")  # ecosystem.config.js, Node deploy scripts
pm2guard_ts_grammar(python "${PM2GUARD_NPM_MODULES}/tree-sitter-python/src")          # subprocess, paramiko, fabric
pm2guard_ts_grammar(php "${PM2GUARD_NPM_MODULES}/tree-sitter-php/php/src")            # Deployer's deploy.php (`<?php` and HTML)
pm2guard_ts_grammar(powershell "${PM2GUARD_NPM_MODULES}/tree-sitter-powershell/src")  # *.ps1, `shell: pwsh` steps
