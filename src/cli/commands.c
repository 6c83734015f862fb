/*
** commands.c -- the table of commands: what runs each, its arguments, one
** line of what it does, and its options.  `leadrules --help`,
** `leadrules COMMAND --help`, `leadrules help COMMAND` and the "did you
** mean" of an unknown command or option all read this table, and
** tests/cli/test_usage.sh checks docs/leadrules.1 against it.  Adding a
** command is adding a row; adding an option is adding its line.
**
** An option line is "  --name ARG    what it does" (or "  -q, --quiet");
** other lines (an argument such as FILE, or the continuation of the line
** above) name no option.
*/
#include <string.h>

#include "cli.h"

const cli_cmd cli_commands[] = {
  {"import", cmd_import, CLI_CREATES,
   "contacts|activities|outcomes|accounts FILE [options]",
   "import a CSV file (one transaction)",
   "  FILE              a CSV file, or - for stdin\n"
   "  --key COLUMN      the contact key column (default: the database's key\n"
   "                    field, email for a new database)\n"
   "  --delimiter C     , ; tab or another character (default: detected)\n"
   "  --null VALUE      cells equal to VALUE are empty (repeatable)\n"
   "  --map 'Header=field'  import a column under another field name;\n"
   "                    'Header=' skips the column (repeatable)\n"
   "  --encoding ENC    the file's encoding (latin1, windows-1252, UTF-16...)\n"
   "  --rejects FILE    write bad rows there and import the rest\n"
   "  --now T           stamp the import with this clock instead of the\n"
   "                    current time (as run --now)\n"
   "  --json            print the summary as JSON\n"
   "                    (accounts: keyed by the Domain, Website or Company\n"
   "                    Domain column unless --key names another)\n"},
  {"export", cmd_export, CLI_READS,
   "[options] > contacts.csv",
   "write contacts as CSV or JSON to stdout",
   "  --stage S         only contacts in stage S\n"
   "  --segment X       only members of segment X (as of the last run)\n"
   "  --fields a,b,c    these fields, in this order (names or headers)\n"
   "  --sort a,b        sort by these fields (then id; empty values first)\n"
   "  --desc            sort descending\n"
   "  --json            a JSON array of objects instead of CSV\n"
   "  --raw             do not neutralise formula-like text cells\n"
   "  --field-names     header row uses field names, not original headers\n"
   "  --epoch           times as unix seconds, not ISO-8601 text\n"
   "  --accounts        the accounts instead, with their score, grade, stage\n"
   "                    and owner\n"},
  {"handoffs", cmd_handoffs, CLI_READS,
   "[options]",
   "the leads handed to sales, newest first, with a cursor for syncs",
   "  --since RUN|TIME  only handoffs of run #RUN and later, or at or after\n"
   "                    TIME (ISO-8601 date, e.g. 2026-11-01)\n"
   "  --after CURSOR    only handoffs newer than CURSOR (the cursor printed\n"
   "                    by the previous call: a sync takes each one once)\n"
   "  --owner O         only owner O's\n"
   "  --stage S         only handoffs into stage S\n"
   "  --json            JSON for programs and CRM imports (never altered)\n"
   "  --csv             CSV for spreadsheets (formula-like cells get a ')\n"
   "  --raw             with --csv: do not neutralise formula-like cells\n"
   "  --epoch           times as unix seconds, not ISO-8601 text\n"},
  {"run", cmd_run, CLI_WRITES,
   "POLICY.lua [options]",
   "apply a policy to every contact",
   "  --dry-run         do everything, print the changes, write nothing\n"
   "  --json            the summary (and a dry run's changes) as JSON\n"
   "  --now T           the run's clock (default: the current time)\n"
   "  --keep-going      skip a contact whose rules fail, record the error\n"
   "  --jobs N          evaluate with N threads, 1 to 1024 (default: the\n"
   "                    number of cores; the result is the same for any N)\n"
   "  --limit N         a dry run prints at most N changes, --json lists at\n"
   "                    most N moves and handoffs (default 50; 0: all)\n"
   "  --override-manual apply the policy to manually moved contacts too,\n"
   "                    and end their locks\n"
   "  --allow-local-modules  require() may load .lua files beside the "
   "policy\n"
   "  --changed         evaluate only the contacts whose result can differ\n"
   "                    from the last run (same result as a full run)\n"
   "  --no-outbox       do not append the moves and handoffs to the outbox\n"
   "                    (serve --notify-* will not deliver them)\n"},
  {"explain", cmd_explain, CLI_READS,
   "KEY POLICY.lua [options]",
   "why a contact has its score and stage, and what it needs for the next",
   "  --now T           the clock (default: the current time)\n"
   "  --json            as JSON\n"
   "  --allow-local-modules  require() may load .lua files beside the "
   "policy\n"
   "  --account         KEY is an account: its contacts, account rules,\n"
   "                    transitions and handoff\n"},
  {"move", cmd_move, CLI_WRITES,
   "KEY STAGE --reason TEXT [options]",
   "move a contact by hand (recorded; the policy keeps it there until a "
   "later move, an outcome, the expiry or run --override-manual)",
   "  --reason TEXT     why (required)\n"
   "  --by WHO          who (default: $USER)\n"
   "  --for D           hold the stage for D (30d, 12h) from the move\n"
   "  --until T         hold the stage until T (a date or date-time)\n"
   "  --now T           when (default: the current time)\n"},
  {"set", cmd_set, CLI_WRITES,
   "KEY field=value --reason TEXT [options]",
   "correct one field of a contact by hand (recorded in the audit table)",
   "  --reason TEXT     why (required)\n"
   "  --by WHO          who (default: $USER)\n"
   "  --now T           when (default: the current time)\n"},
  {"info", cmd_info, CLI_READS,
   "[--json]",
   "show what the database holds",
   "  --json            as JSON\n"},
  {"check", cmd_check, CLI_READS,
   "POLICY.lua [options]",
   "static and data-aware checks of a policy",
   "  --now T           the clock (default: the current time)\n"
   "  --sample N        evaluate N contacts (default 10000)\n"
   "  --all             evaluate every contact\n"},
  {"test", cmd_test, CLI_WRITES,
   "POLICY_test.lua... [options]",
   "run policy unit tests (no database needed)",
   "  --allow-local-modules  require() may load .lua files beside the "
   "policy\n"},
  {"shell", cmd_shell, CLI_READS,
   "[options]",
   "interactive Lua prompt on the database",
   "  -q, --quiet       no banner\n"
   "  --now T           the session's clock (default: the current time)\n"},
  {"backtest", cmd_backtest, CLI_READS,
   "POLICY.lua [options]",
   "measure a policy's scores against outcomes (writes nothing)",
   "  --outcome COLUMN  a contact column to use as the outcome (default:\n"
   "                    the outcomes table, won is positive)\n"
   "  --now T           the clock (default: the current time)\n"
   "  --capacity N      calls sales can make: the top N contacts\n"
   "  --json            as JSON\n"
   "  --html FILE       also write an HTML report to FILE\n"
   "  --jobs N          evaluate with N threads, 1 to 1024 (default: the\n"
   "                    number of cores)\n"
   "  --accounts        score the accounts instead: an account is won when\n"
   "                    any of its contacts has a won outcome\n"},
  {"report", cmd_report, CLI_READS,
   "[options]",
   "funnel, conversion, time in stage, SLA, outcomes by segment/source/owner",
   "  --by D            split by segment, source, owner, stage or a FIELD\n"
   "  --since T         only what happened from T (a date or 30d)\n"
   "  --now T           the report's clock (default: the latest run's now,\n"
   "                    else the current time)\n"
   "  --policy P        the policy's stages and handoffs, in its order\n"
   "  --json            as JSON\n"
   "  --html FILE       also write an HTML report to FILE\n"
   "  --currency CODE   amounts on the HTML page as 1,234.50 CODE\n"
   "  --tables          the tables on the HTML page too\n"},
  {"diff", cmd_diff, CLI_READS,
   "OLD.lua NEW.lua [options]",
   "what a policy change would do to the contacts (writes nothing)",
   "  --now T           the clock (default: the current time)\n"
   "  --top N           list the N contacts that change most, 1 to 100000\n"
   "                    (default 10)\n"
   "  --stage-changes N|all  list N of the contacts that change stage\n"
   "                    (default 50)\n"
   "  --json            as JSON\n"
   "  --jobs N          evaluate with N threads, 1 to 1024 (default: the\n"
   "                    number of cores)\n"
   "  --accounts        compare the accounts: each policy scores the\n"
   "                    contacts, then the accounts from those results\n"},
  {"script", cmd_script, CLI_WRITES,
   "SCRIPT.lua [options] [ARGS...]",
   "run a script that may change contacts (also: leadrules SCRIPT.lua)",
   "  --dry-run         run it, write nothing\n"
   "  --now T           the clock (default: the current time)\n"
   "  --by WHO          who made its changes (default: $USER)\n"
   "  --allow-local-modules  require() may load .lua files beside the "
   "script\n"
   "  --                the rest goes to the script as arg[1..]\n"},
  {"ingest", cmd_ingest, CLI_WRITES,
   "POLICY.lua [FILE|-] [options]",
   "append activity events and re-evaluate the contacts they touch",
   "  FILE              events, one a line (default: - for stdin)\n"
   "  --format F        ndjson (default) or csv (a header: contact, type,\n"
   "                    at, value, campaign)\n"
   "  --batch N         events per transaction (default 10000)\n"
   "  --rejects FILE    set bad events aside there and ingest the rest\n"
   "  --json            one JSON line per move and handoff on stdout\n"
   "  --now T           the clock, and the time of events without \"at\"\n"
   "  --allow-local-modules  require() may load .lua files beside the "
   "policy\n"},
  {"serve", cmd_serve, CLI_WRITES,
   "--policy POLICY.lua --token-file FILE [options]",
   "HTTP API: events in, decisions out (docs/realtime.md)",
   "  --policy P        the policy (SIGHUP reloads it)\n"
   "  --token-file FILE the bearer token (first line, 16+ characters)\n"
   "  --listen A:PORT   the address (default 127.0.0.1:8787; port 0: any)\n"
   "  --now T           a fixed clock (default: the current time)\n"
   "  --notify-exec CMD run CMD with each decision as JSON on stdin\n"
   "  --notify-url URL  POST each decision to URL\n"
   "  --max-body N      request body cap in bytes (default 1048576)\n"},
  {NULL, NULL, 0, NULL, NULL, NULL},
};

const cli_cmd *cli_find_cmd(const char *name) {
  for (const cli_cmd *k = cli_commands; k->name; k++)
    if (strcmp(k->name, name) == 0) return k;
  return NULL;
}

void cli_list_commands(FILE *f, const char *prog) {
  fprintf(f, "usage: %s [--db PATH] COMMAND [ARGS]\n"
             "       %s [--db PATH] SCRIPT.lua [ARGS]\n"
             "       %s help COMMAND\n\ncommands:\n", prog, prog, prog);
  for (const cli_cmd *k = cli_commands; k->name; k++)
    fprintf(f, "  %-9s %s\n            %s %s\n", k->name, k->summary, k->name,
            k->args);
  fprintf(f, "\nglobal options (anywhere on the line):\n"
             "  --db PATH         the database (else $LEADRULES_DB, else "
             "./leadrules.db)\n"
             "  --busy-timeout MS wait for another writer's lock (default "
             "5000)\n"
             "  -h, --help        this list; after a command, its options\n"
             "  --version         the version\n");
}

void cli_cmd_help(FILE *f, const char *prog, const cli_cmd *k) {
  fprintf(f, "usage: %s %s %s\n%s\n\noptions:\n%s", prog, k->name, k->args,
          k->summary, k->options);
  fprintf(f, "  -h, --help        this help\n\nglobal options: --db PATH, "
             "--busy-timeout MS (see %s --help)\n", prog);
}

/* One name of an option line at t ("--key", "-q"): its length, 0 when t
** names no option ("--" alone passes the rest on; it is no option). */
static size_t option_name(const char *t) {
  if (t[0] != '-' || t[1] == ' ' || t[1] == '\n' || !t[1]) return 0;
  size_t l = strcspn(t, " ,=\n");
  return l == 2 && t[1] == '-' ? 0 : l;
}

int cli_options(const cli_cmd *k, char (*names)[CLI_OPT_MAX], int max) {
  int n = 0;
  for (const char *s = k->options; *s && n < max;) {
    const char *t = s + strspn(s, " ");
    for (size_t l; n < max && (l = option_name(t)) && l < CLI_OPT_MAX;) {
      memcpy(names[n], t, l);
      names[n++][l] = '\0';
      if (t[l] != ',' || t[l + 1] != ' ') break;   /* "-q, --quiet" */
      t += l + 2;
    }
    const char *end = strchr(s, '\n');
    s = end ? end + 1 : s + strlen(s);
  }
  return n;
}
