/*
** cmd_import.c -- leadrules import contacts|activities|outcomes|accounts FILE
*/
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int progress(void *ctx, long long rows) {
  return cli_progress(ctx, rows, 0);
}

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 0x20) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

static int parse_delimiter(const char *v, char *out) {
  if (strcmp(v, "tab") == 0 || strcmp(v, "TAB") == 0 || strcmp(v, "\\t") == 0 ||
      strcmp(v, "\t") == 0) {
    *out = '\t';
    return 1;
  }
  if (strlen(v) != 1 || *v == '"' || *v == '\n' || *v == '\r') return 0;
  *out = *v;
  return 1;
}

static int ok_delimiter(const char *v) {
  char d;
  return parse_delimiter(v, &d);
}

/* What the import did, as text or JSON. */
static void print_report(const char *kind_name, int kind, const char *file,
                         const lr_import_report *r, const char *rejects,
                         int json) {
  if (json) {
    printf("{\"kind\":\"%s\",\"file\":", kind_name);
    json_str(stdout, file);
    printf(",\"rows_read\":%lld,\"inserted\":%lld,\"updated\":%lld,"
           "\"merged\":%lld,\"rejected\":%lld,\"fields_created\":%d,"
           "\"columns\":%d", r->rows_read, r->inserted, r->updated, r->merged,
           r->rejected, r->fields_created, r->columns);
    if (r->key_field[0]) {
      printf(",\"key_field\":");
      json_str(stdout, r->key_field);
    }
    printf("}\n");
  } else {
    printf("imported %s from %s", kind_name, file);
    if (r->key_field[0]) printf(" (key: %s)", r->key_field);
    printf("\n  rows read       %10lld\n  inserted        %10lld\n"
           "  updated         %10lld\n  merged          %10lld\n"
           "  rejected        %10lld\n", r->rows_read, r->inserted, r->updated,
           r->merged, r->rejected);
    if (kind == LR_CONTACTS)
      printf("  fields created  %10d\n", r->fields_created);
    if (r->rejected) printf("bad rows are in %s\n", rejects);
  }
}

/* contacts, activities or outcomes: LR_* kind, 0 for anything else. */
static int import_kind(const char *name) {
  return !name ? 0
       : strcmp(name, "contacts") == 0 ? LR_CONTACTS
       : strcmp(name, "activities") == 0 ? LR_ACTIVITIES
       : strcmp(name, "outcomes") == 0 ? LR_OUTCOMES
       : strcmp(name, "accounts") == 0 ? LR_ACCOUNTS : 0;
}

int cmd_import(cli *c, int argc, char **argv) {
  const char *kind_name = NULL, *file = NULL, *delimiter = NULL;
  const char *now_s = NULL;
  int json = 0, n_nulls = 0, n_maps = 0;
  const char **nulls = calloc((size_t)argc, sizeof *nulls);
  const char **maps = calloc((size_t)argc, sizeof *maps);
  lr_import_opts o = LR_IMPORT_OPTS_INIT;
  int status = CLI_OK;
  if (!nulls || !maps) {
    status = cli_error(c, "out of memory");
    goto done;
  }
  const cli_optv opts[] = {
    { "--key", &o.key, "a COLUMN", 0, NULL },
    { "--delimiter", &delimiter, "one character (or 'tab')", 0, ok_delimiter },
    { "--encoding", &o.encoding, "a name", 0, NULL },
    { "--rejects", &o.rejects, "a FILE", 0, NULL },
    CLI_OPT_NOW(now_s), { NULL },
  };
  for (int i = 1; i < argc; i++) {
    const char *v = NULL;
    int m = cli_opts(c, "import", opts, argc, argv, &i);
    if (m < 0) {
      status = CLI_USAGE;
      goto done;
    }
    if (m) continue;
    if (cli_flag(argv[i], "--json")) {
      json = 1;
    } else if (cli_opt(argc, argv, &i, "--null", &v)) {
      if (!v) { status = cli_usage(c, "import", "--null needs a VALUE"); goto done; }
      nulls[n_nulls++] = v;
    } else if (cli_opt(argc, argv, &i, "--map", &v)) {
      if (!v) { status = cli_usage(c, "import", "--map needs 'Header=field'"); goto done; }
      maps[n_maps++] = v;
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      status = cli_unknown_option(c, "import", argv[i]);
      goto done;
    } else if (!kind_name) {
      kind_name = argv[i];
    } else if (!file) {
      file = argv[i];
    } else {
      status = cli_usage(c, "import", "unexpected argument '%s'", argv[i]);
      goto done;
    }
  }
  int kind = import_kind(kind_name);
  if (!kind && kind_name && import_kind(file)) {       /* import FILE contacts */
    status = cli_usage(c, "import", "what to import comes first: leadrules "
                       "import %s %s", file, kind_name);
    goto done;
  }
  if (!kind && kind_name) {
    static const char *const kinds[] = { "contacts", "activities",
                                         "outcomes", "accounts" };
    const char *near = lr_nearest(kind_name, kinds, 4);
    status = near ? cli_usage(c, "import", "cannot import '%s'; did you mean "
                              "'%s'?", kind_name, near)
                  : cli_usage(c, "import", "cannot import '%s' (contacts, "
                              "activities, outcomes or accounts)", kind_name);
    goto done;
  }
  if (!kind || !file) {
    status = cli_usage(c, "import", !kind_name ? "what to import: contacts, "
                       "activities, outcomes or accounts, and a FILE"
                       : "no FILE given (leadrules import %s FILE; - reads "
                       "stdin)", kind_name);
    goto done;
  }
  if (delimiter) parse_delimiter(delimiter, &o.delimiter);
  o.now = cli_parse_now(c, now_s);
  if (o.now < 0) {
    status = CLI_USAGE;
    goto done;
  }
  o.nulls = nulls;
  o.n_nulls = n_nulls;
  o.maps = maps;
  o.n_maps = n_maps;
  o.progress = progress;
  o.cancel = &cli_interrupted;
  lr_db *db = cli_db(c);
  if (!db) { status = CLI_ERR; goto done; }
  lr_import_report r;
  int rc = lr_import_csv(db, kind, file, &o, &r);
  cli_progress(NULL, r.rows_read, r.rows_read);   /* clears the line */
  if (rc != LR_OK) {
    status = cli_fail(c, rc);
    goto done;
  }
  print_report(kind_name, kind, file, &r, o.rejects, json);
done:
  free(nulls);
  free(maps);
  return status;
}
