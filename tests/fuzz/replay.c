/*
** replay.c -- run a fuzz target's entry point over files without
** libFuzzer: `replay_NAME DIR|FILE...` feeds every regular file (sorted by
** name, recursively one level) to LLVMFuzzerTestOneInput.  ctest replays
** tests/fuzz/corpus/NAME and tests/fuzz/regress/NAME in every build, so
** the ASan/UBSan build checks them too.
*/
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return 1;
  }
  size_t cap = 1 << 16, n = 0;
  uint8_t *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      uint8_t *b = realloc(buf, cap *= 2);
      if (!b) { free(buf); buf = NULL; }
      buf = b;
    }
  }
  fclose(f);
  if (!buf) return 1;
  /* A copy of exactly n bytes, so ASan sees reads past the input. */
  uint8_t *exact = malloc(n ? n : 1);
  if (!exact) { free(buf); return 1; }
  memcpy(exact, buf, n);
  free(buf);
  LLVMFuzzerTestOneInput(exact, n);
  free(exact);
  return 0;
}

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  long files = 0;
  int bad = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) continue;      /* an absent dir: nothing */
    if (!S_ISDIR(st.st_mode)) {
      bad |= run_file(argv[i]);
      files++;
      continue;
    }
    DIR *d = opendir(argv[i]);
    if (!d) continue;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (e->d_name[0] == '.') continue;
      if (n == cap) {
        char **v = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *v);
        if (!v) break;
        names = v;
      }
      size_t len = strlen(argv[i]) + strlen(e->d_name) + 2;
      names[n] = malloc(len);
      if (!names[n]) break;
      snprintf(names[n++], len, "%s/%s", argv[i], e->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp);
    for (size_t k = 0; k < n; k++) {
      if (stat(names[k], &st) == 0 && S_ISREG(st.st_mode)) {
        bad |= run_file(names[k]);
        files++;
      }
      free(names[k]);
    }
    free(names);
  }
  printf("replayed %ld inputs\n", files);
  return bad;
}
