/* The tree-sitter-only floor of `pm2guard lint`: parses each shell script
 * given (files, or every *.sh directly in a directory given) with
 * tree-sitter-bash, one parser reused, and does nothing else with the tree.
 * bench/gen_dense_workflows.py --scripts writes the script blocks of its
 * workflows as such files, so this is the least any tree-sitter-based linter
 * pays for the shell of those workflows: no YAML, no nested shells, no
 * analysis.
 *
 *   ts_floor [-q] PATH...
 *
 * Prints on stderr the files, bytes, the time of reading them and of
 * parsing them (the parse alone: CLOCK_MONOTONIC around ts_parser_parse_string
 * and ts_tree_delete), and the number of trees that had an error.
 *
 * Built by bench/compare_actionlint.sh with one cc command line, or by the
 * optional CMake project in bench/CMakeLists.txt (target ts_floor), from the
 * same tree-sitter sources cmake/TreeSitter.cmake compiles. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_bash(void);

struct text {
  char *data;
  size_t size;
};

static struct text *texts;
static size_t count, capacity;

static void add_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(2);
  }
  struct stat st;
  if (fstat(fileno(f), &st) != 0) {
    perror(path);
    exit(2);
  }
  struct text t = {malloc((size_t)st.st_size + 1), 0};
  for (size_t cap = (size_t)st.st_size + 1;;) {  /* the size stat gave, grown if the file grew */
    size_t n = fread(t.data + t.size, 1, cap - t.size, f);
    if (n == 0) break;
    t.size += n;
    if (t.size == cap) t.data = realloc(t.data, cap *= 2);
  }
  fclose(f);
  if (count == capacity) {
    capacity = capacity ? capacity * 2 : 1024;
    texts = realloc(texts, capacity * sizeof *texts);
  }
  texts[count++] = t;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void add_path(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    perror(path);
    exit(2);
  }
  if (!S_ISDIR(st.st_mode)) {
    add_file(path);
    return;
  }
  DIR *d = opendir(path);
  if (!d) {
    perror(path);
    exit(2);
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  for (struct dirent *e; (e = readdir(d));) {
    size_t len = strlen(e->d_name);
    if (len < 4 || strcmp(e->d_name + len - 3, ".sh") != 0) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 1024;
      names = realloc(names, cap * sizeof *names);
    }
    names[n] = malloc(strlen(path) + len + 2);
    sprintf(names[n++], "%s/%s", path, e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, by_name);
  for (size_t i = 0; i < n; ++i) {
    add_file(names[i]);
    free(names[i]);
  }
  free(names);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  int quiet = 0;
  double t0 = now_ms();
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "-q") == 0)
      quiet = 1;
    else
      add_path(argv[i]);
  }
  if (count == 0) {
    fprintf(stderr, "usage: ts_floor [-q] FILE.sh|DIR...\n");
    return 2;
  }
  double t1 = now_ms();
  TSParser *parser = ts_parser_new();
  ts_parser_set_language(parser, tree_sitter_bash());
  size_t bytes = 0, errors = 0, nodes = 0;
  for (size_t i = 0; i < count; ++i) {
    TSTree *tree = ts_parser_parse_string(parser, NULL, texts[i].data, (uint32_t)texts[i].size);
    TSNode root = ts_tree_root_node(tree);
    errors += ts_node_has_error(root);
    nodes += ts_node_descendant_count(root);
    bytes += texts[i].size;
    ts_tree_delete(tree);
  }
  double t2 = now_ms();
  ts_parser_delete(parser);
  if (!quiet)
    fprintf(stderr,
            "tree-sitter-bash alone: %zu scripts, %.2f MB, %zu nodes: read %.1f ms, parse %.1f ms "
            "(%.1f MB/s), %zu with errors\n",
            count, bytes / 1e6, nodes, t1 - t0, t2 - t1, bytes / 1e6 / ((t2 - t1) / 1e3), errors);
  for (size_t i = 0; i < count; ++i) free(texts[i].data);
  free(texts);
  return 0;
}
