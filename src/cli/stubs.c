/* Commands not built yet (each moves to its own file when written). */
#include "cli.h"
#define STUB(f) int f(cli *c, int argc, char **argv) { (void)argc; \
  return cli_error(c, "%s: not implemented yet", argv[0]); }
