# tree-sitter core and the bash grammar, compiled from the sources that
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

add_library(ts_bash STATIC "${TS_BASH_DIR}/parser.c" "${TS_BASH_DIR}/scanner.c")
target_include_directories(ts_bash PRIVATE "${TS_BASH_DIR}")
set_target_properties(ts_bash PROPERTIES C_STANDARD 11 C_EXTENSIONS OFF POSITION_INDEPENDENT_CODE ON)
target_compile_options(ts_bash PRIVATE -w -O2)
target_link_libraries(ts_bash PUBLIC ts_core)
