// Runs a libFuzzer entry point on saved inputs, without libFuzzer: the
// regular build's ctest replays the seed corpus and the regressions with it.
//
//   shim_verdict_replay FILE_OR_DIR...
//
// Directories are read recursively, in name order, skipping READMEs, dot
// files and files whose name starts with `pending-` (a found bug not fixed
// yet, see fuzz/regressions/README); a file named on the command line always
// runs. A violated invariant traps, which fails the test; so does finding no
// input at all (a wrong path).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

namespace {

bool skipped(const fs::path& p) {
  std::string name = p.filename().string();
  return name.rfind("pending-", 0) == 0 || name.rfind("README", 0) == 0 || name.rfind('.', 0) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> files;
  size_t pending = 0;
  for (int i = 1; i < argc; ++i) {
    fs::path arg(argv[i]);
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> found;
      for (const fs::directory_entry& e : fs::recursive_directory_iterator(arg)) {
        if (!e.is_regular_file()) continue;
        if (e.path().filename().string().rfind("pending-", 0) == 0) ++pending;
        if (!skipped(e.path())) found.push_back(e.path());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(arg, ec)) {
      files.push_back(arg);
    } else {
      std::fprintf(stderr, "replay: %s: no such file or directory\n", argv[i]);
      return 2;
    }
  }
  size_t ran = 0;
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "replay: cannot read %s\n", f.c_str());
      return 2;
    }
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", f.c_str(), bytes.size());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    ++ran;
  }
  std::printf("replayed %zu inputs (%zu pending- skipped)\n", ran, pending);
  return ran > 0 ? 0 : 2;
}
