/* What YAML parsing alone costs with libyaml (Debian's libyaml-dev, the C
 * event parser), for comparison with yaml-cpp's share of a `pm2guard lint`
 * profile (bench/PROFILE.md): reads each file given and pulls every parse
 * event, with its start and end marks (byte offsets: what pm2guard's byte
 * map of a scalar needs), doing nothing else with them.
 *
 *   cc -O2 bench/yaml_floor.c -lyaml -o yaml_floor && ./yaml_floor FILE...
 *   valgrind --tool=callgrind ./yaml_floor FILE     (instructions, as in PROFILE.md)
 *
 * Not part of the build: a measurement only. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <yaml.h>

int main(int argc, char **argv) {
  size_t events = 0, scalars = 0, bytes = 0;
  double parse_ms = 0;
  for (int i = 1; i < argc; ++i) {
    FILE *f = fopen(argv[i], "rb");
    if (!f) {
      perror(argv[i]);
      return 2;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *text = malloc((size_t)size + 1);
    size_t got = fread(text, 1, (size_t)size, f);
    fclose(f);
    bytes += got;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, text, got);
    for (int done = 0; !done;) {
      yaml_event_t event;
      if (!yaml_parser_parse(&parser, &event)) {
        fprintf(stderr, "%s: %s at byte %zu\n", argv[i], parser.problem, parser.problem_mark.index);
        break;
      }
      ++events;
      scalars += event.type == YAML_SCALAR_EVENT;
      done = event.type == YAML_STREAM_END_EVENT;
      yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    parse_ms += (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    free(text);
  }
  fprintf(stderr, "libyaml events alone: %d files, %zu bytes, %zu events (%zu scalars), parse %.2f ms\n", argc - 1,
          bytes, events, scalars, parse_ms);
  return 0;
}
