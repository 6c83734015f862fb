/*
** suggest.c -- "did you mean" for an unknown option: the nearest of the
** command's options (lr_nearest).
*/
#include <string.h>

#include "cli.h"

int cli_unknown_option(cli *c, const char *cmd, const char *arg) {
  char names[CLI_OPT_MAX_N + 2][CLI_OPT_MAX];
  const char *ptr[CLI_OPT_MAX_N + 2];
  const cli_cmd *k = cmd ? cli_find_cmd(cmd) : NULL;
  int n = k ? cli_options(k, names, CLI_OPT_MAX_N) : 0;
  strcpy(names[n++], "--help");
  strcpy(names[n++], "--db");                /* global, taken anywhere */
  for (int i = 0; i < n; i++) ptr[i] = names[i];
  char word[CLI_OPT_MAX];
  size_t l = strcspn(arg, "=");
  snprintf(word, sizeof word, "%.*s", (int)(l < sizeof word ? l : 0), arg);
  const char *near = l < sizeof word ? lr_nearest(word, ptr, n) : NULL;
  if (near)
    return cli_usage(c, cmd, "unknown option '%s'; did you mean '%s'?", arg,
                     near);
  return cli_usage(c, cmd, "unknown option '%s'", arg);
}
