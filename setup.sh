#!/usr/bin/env bash
# Installs pm2guard's dependencies (Debian packages and the pinned npm
# sources), builds it, and lints the bundled corpus.
#
#   ./setup.sh             install, build, lint corpus/ (the main job)
#   ./setup.sh --no-lint   install and build only
#   ./setup.sh --fuzz      also install clang and libFuzzer (Debian packages)
#                          and build the fuzz targets with clang in BUILD_DIR_FUZZ
#
# Environment: BUILD_DIR (default: build), BUILD_DIR_FUZZ (default: build-fuzz),
# PM2GUARD_WERROR=ON to build with -Werror.
set -euo pipefail
cd "$(dirname "$0")"

BUILD_DIR=${BUILD_DIR:-build}
BUILD_DIR_FUZZ=${BUILD_DIR_FUZZ:-build-fuzz}
run_lint=1
fuzz=0
for arg in "$@"; do
  case $arg in
    --no-lint) run_lint=0 ;;
    --fuzz) fuzz=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages. Node.js and npm come from the machine when present (a
# nodesource install conflicts with Debian's npm package); otherwise Debian's.
packages=(cmake g++ make libyaml-cpp-dev libfmt-dev catch2 nlohmann-json3-dev libssl-dev pre-commit git ca-certificates)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
# --fuzz: clang, and libclang-rt-dev for libclang_rt.fuzzer (Debian 12: clang 14).
if [ "$fuzz" = 1 ]; then
  [ -f /etc/debian_version ] || { echo "setup.sh: --fuzz installs Debian packages; install clang and libFuzzer yourself" >&2; exit 2; }
  packages+=(clang libclang-rt-dev)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt-get install ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# tree-sitter sources and pm2 (for tests), exactly as pinned in the lock
# file, integrity-checked, no install scripts run.
echo "==> npm ci (third_party/package-lock.json)"
npm ci --ignore-scripts --no-audit --no-fund --prefix third_party >/dev/null

echo "==> cmake build ($BUILD_DIR)"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPM2GUARD_WERROR="${PM2GUARD_WERROR:-OFF}" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"

if [ "$fuzz" = 1 ]; then
  # A build of its own: clang, libFuzzer, ASan and UBSan on the fuzz targets
  # and the libraries they link (fuzz/CMakeLists.txt); only those are built.
  echo "==> cmake build ($BUILD_DIR_FUZZ: clang, libFuzzer targets)"
  cmake -S . -B "$BUILD_DIR_FUZZ" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
    -DCMAKE_CXX_COMPILER=clang++ -DPM2GUARD_FUZZ=ON -DPM2GUARD_TESTS=OFF \
    -DPM2GUARD_WERROR="${PM2GUARD_WERROR:-OFF}" >/dev/null
  cmake --build "$BUILD_DIR_FUZZ" -j"$(nproc)" --target shim_verdict_fuzz shim_verdict_replay lint_file_fuzz lint_file_replay policy_fuzz policy_replay
fi

if [ "$run_lint" = 1 ]; then
  echo "==> pm2guard lint corpus/ (every annotated line below is a deliberate finding)"
  set +e
  mapfile -t scripts < <(find corpus -name '*.sh' | sort)
  "$BUILD_DIR/lint/pm2guard" lint corpus "${scripts[@]}"
  rc=$?
  set -e
  echo "==> pm2guard exited with $rc (0: clean, 1: error findings, 2: unreadable input)"
  [ "$rc" -le 1 ] || exit "$rc"
fi
