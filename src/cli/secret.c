/*
** secret.c -- keep a database password out of the process title.  The
** store redacts it from every message, but `ps` and /proc/PID/cmdline
** show argv as the command was given: the password in a --db
** postgresql:// URI is overwritten there (with 'x', as other database
** clients do) once the option's value has been copied.
*/
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void blank(char *s, char *end) {
  while (s < end) *s++ = 'x';
}

/* The password of "scheme://user:PASSWORD@host" and of a
** "?...&password=VALUE&..." parameter, overwritten in place. */
void cli_hide_secret(char *uri) {
  if (strncmp(uri, "postgresql://", 13) != 0 &&
      strncmp(uri, "postgres://", 11) != 0)
    return;
  char *auth = strstr(uri, "://") + 3;
  char *auth_end = auth + strcspn(auth, "/?#");
  char *at = NULL;
  for (char *p = auth; p < auth_end; p++)
    if (*p == '@') at = p;                  /* the last '@' ends userinfo */
  char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
  if (colon) blank(colon + 1, at);
  char *q = strchr(auth_end, '?');
  while (q) {
    q++;
    char *item_end = q + strcspn(q, "&#");
    if (strncmp(q, "password=", 9) == 0) blank(q + 9, item_end);
    q = *item_end == '&' ? item_end : NULL;
  }
}

static char *db_copy;

static void free_copy(void) { free(db_copy); }

int cli_keep_db_path(cli *c) {
  if (!c->db_path) return 0;
  db_copy = strdup(c->db_path);
  if (!db_copy) return -1;
  atexit(free_copy);
  cli_hide_secret((char *)c->db_path);     /* argv's own bytes */
  c->db_path = db_copy;
  return 0;
}
