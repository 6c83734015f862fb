/*
** test_reader.c -- the CSV reader as event sequences: each row is written
** as "LINE:[cell|cell]" (~ for an empty unquoted cell, ! before a cell
** with bad bytes), so a test states exactly what the reader saw.
*/
#include "csv/csv.h"
#include "t.h"

static lr_buf ev;

static int on_row(void *ctx, const lrc_row *row, lr_buf *err) {
  (void)ctx;
  (void)err;
  if (ev.n) lrb_addc(&ev, ' ');
  lrb_printf(&ev, "%lld:[", row->line);
  for (int i = 0; i < row->n; i++) {
    if (i) lrb_addc(&ev, '|');
    if (i == row->bad_cell) lrb_addc(&ev, '!');
    if (!row->cells[i].p) lrb_addc(&ev, '~');
    else lrb_add(&ev, row->cells[i].p, row->cells[i].n);
  }
  lrb_addc(&ev, ']');
  return 0;
}

static lr_buf err;
static char delim;

/* Read `path`; the events, or "ERROR(rc): message". */
static const char *read_path(const char *path, const char *enc, char d) {
  lrb_reset(&ev);
  lrb_reset(&err);
  lrc_reader *r = NULL;
  lrc_reader_opts o = { path, enc, d };
  int rc = lrc_reader_open(&r, &o, &err);
  if (rc == LR_OK) rc = lrc_reader_run(r, on_row, NULL, &err);
  delim = r ? lrc_reader_delimiter(r) : 0;
  lrc_reader_close(r);
  if (rc != LR_OK) {
    lrb_reset(&ev);
    lrb_printf(&ev, "ERROR(%d): %s", rc, lrb_str(&err));
  }
  return lrb_str(&ev);
}

static const char *read_text(const char *text, size_t n) {
  const char *p = t_path("in.csv");
  FILE *f = fopen(p, "wb");
  fwrite(text, 1, n, f);
  fclose(f);
  return read_path(p, NULL, 0);
}
#define READ(lit) read_text(lit, sizeof lit - 1)

static void test_basic(void) {
  CHECK_STR(READ("a,b\n1,2\n"), "1:[a|b] 2:[1|2]");
  CHECK_STR(READ("a,b\n1,2"), "1:[a|b] 2:[1|2]");          /* no final LF */
  CHECK_STR(READ("a,b\r\n1,2\r\n3,4\r\n"), "1:[a|b] 2:[1|2] 3:[3|4]");
  CHECK_STR(READ("a,b\r1,2\r"), "1:[a|b] 2:[1|2]");        /* old Mac CR */
  /* a row of unquoted empty cells is skipped, as a blank line is */
  CHECK_STR(READ("a,b,c\n,,\n1,,\n"), "1:[a|b|c] 3:[1|~|~]");
  CHECK_STR(READ("a,b\n\"\",\"\"\n"), "1:[a|b] 2:[|]");
  CHECK_STR(READ(",\n,\n"), "1:[~|~]");                  /* not the header */
  CHECK_STR(READ("a,b\n\"\",x\n"), "1:[a|b] 2:[|x]");      /* "" is not ~ */
  CHECK_STR(READ("a\n 5 \n"), "1:[a] 2:[ 5 ]");           /* spaces kept */
  CHECK_STR(READ("h\n"), "1:[h]");
}

static void test_quotes_and_lines(void) {
  CHECK_STR(READ("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n"),
            "1:[a|b] 2:[x,y|say \"hi\"]");
  /* a quoted newline advances the line count; rows report their start */
  CHECK_STR(READ("a,b\n\"one\ntwo\",x\n3,4\n"),
            "1:[a|b] 2:[one\ntwo|x] 4:[3|4]");
  CHECK_STR(READ("a,b\r\n\"one\r\ntwo\r\nthree\",x\r\n3,4\r\n"),
            "1:[a|b] 2:[one\r\ntwo\r\nthree|x] 5:[3|4]");
  /* blank lines are skipped but counted */
  CHECK_STR(READ("a,b\n\n1,2\n\r\n\r\n3,4\n"), "1:[a|b] 3:[1|2] 6:[3|4]");
  /* a quoted header cell with a newline */
  CHECK_STR(READ("\"multi\nline\",b\n1,2\n"), "1:[multi\nline|b] 3:[1|2]");
}

static void test_bom_and_delimiters(void) {
  CHECK_STR(READ("\xEF\xBB\xBF" "a,b\n1,2\n"), "1:[a|b] 2:[1|2]");
  CHECK_STR(READ("a;b;c\n1;\"2;3\";4\n"), "1:[a|b|c] 2:[1|2;3|4]");
  CHECK_INT(delim, ';');
  CHECK_STR(READ("a\tb\n1\t2\n"), "1:[a|b] 2:[1|2]");
  CHECK_INT(delim, '\t');
  CHECK_STR(READ("\"Name, Title\";Email\nx;y\n"), "1:[Name, Title|Email] 2:[x|y]");
  CHECK_STR(read_path(t_src("tests/fixtures/csv/semicolon.csv"), NULL, 0),
            "1:[Email|Name|Score Value] 2:[a@x.example|Lee; Ann|5] "
            "3:[b@x.example|Bob|6]");
  CHECK_STR(read_path(t_src("tests/fixtures/csv/tab.csv"), NULL, 0),
            "1:[Email|Name|City] 2:[t1@x.example|Tab One|Oslo] "
            "3:[t2@x.example|Tab, Two|Bergen]");
  /* --delimiter overrides detection */
  CHECK_CONTAINS(read_path(t_src("tests/fixtures/csv/semicolon.csv"), NULL,
                           ','),
                 "semicolon.csv:2: column 'Email;Name;Score Value': quote "
                 "inside an unquoted cell");
}

static void test_encodings(void) {
  CHECK_STR(read_path(t_src("tests/fixtures/csv/latin1.csv"), "latin1", 0),
            "1:[Email|First Name|City|Notes] "
            "2:[maria@example.com|Mar\xC3\xAD" "a|M\xC3\xA1laga|caf\xC3\xA9, ol\xC3\xA9] "
            "3:[jurgen@example.com|J\xC3\xBCrgen|K\xC3\xB6ln|Gr\xC3\xBC\xC3\x9F" "e]");
  CHECK_STR(read_path(t_src("tests/fixtures/csv/windows1252.csv"),
                      "windows-1252", 0),
            "1:[Email|First Name|Price] 2:[zoe@example.com|Zo\xC3\xAB|\xE2\x82\xAC" "5]");
  CHECK_STR(read_path(t_src("tests/fixtures/csv/utf16.csv"), "UTF-16", 0),
            "1:[Email|First Name|City] "
            "2:[kenji@example.com|\xE5\x81\xA5\xE4\xBA\x8C|\xE6\x9D\xB1\xE4\xBA\xAC] "
            "3:[ana@example.com|Ana|S\xC3\xA3o Paulo]");
  /* without --encoding: the bad cell is flagged, the row still arrives */
  CHECK_STR(read_path(t_src("tests/fixtures/csv/latin1.csv"), NULL, 0),
            "1:[Email|First Name|City|Notes] "
            "2:[maria@example.com|!Mar\xED" "a|M\xE1laga|caf\xE9, ol\xE9] "
            "3:[jurgen@example.com|!J\xFCrgen|K\xF6ln|Gr\xFC\xDF" "e]");
  CHECK_CONTAINS(read_path(t_src("tests/fixtures/csv/utf16.csv"), NULL, 0),
                 "utf16.csv: starts with a UTF-16 byte-order mark; give the "
                 "encoding: --encoding UTF-16");
  CHECK_CONTAINS(read_path(t_src("tests/fixtures/csv/latin1.csv"),
                           "no-such-encoding", 0),
                 "--encoding 'no-such-encoding': unknown encoding");
  /* bytes not valid in the named encoding */
  const char bad[] = "a,b\n1,2\n\x81\x82,3\n";
  const char *p = t_path("bad1252.csv");
  FILE *f = fopen(p, "wb");
  fwrite(bad, 1, sizeof bad - 1, f);
  fclose(f);
  CHECK_CONTAINS(read_path(p, "UTF-8", 0), "bad1252.csv:3: not valid UTF-8 "
                 "(byte 0x81 at offset 8)");
}

static void test_bad_cells(void) {
  CHECK_STR(READ("a,b\n1,x\0y\n"), "1:[a|b] 2:[1|!x\0y]");
  CHECK_STR(READ("a,b\n\xC3\x28,2\n"), "1:[a|b] 2:[!\xC3(|2]");
}

static void test_errors(void) {
  CHECK_CONTAINS(READ(""), "empty file (a header line is needed)");
  CHECK_CONTAINS(READ("\xEF\xBB\xBF"), "empty file");
  CHECK_CONTAINS(READ("a,b\n1,2\n\"open,3\n4,5\n"),
                 "in.csv:3: column 'a': quoted cell is never closed "
                 "(unterminated quote)");
  CHECK_CONTAINS(READ("a,b\n1,x\"y\n"),
                 "in.csv:2: column 'b': quote inside an unquoted cell");
  CHECK_CONTAINS(READ("a,b\n1,\"x\"y\n"),
                 "in.csv:2: column 'b': text after a closing quote");
  CHECK_CONTAINS(READ("a,b\n\"1\n\n2\" ,3\n"),
                 "in.csv:2: column 'a': text after a closing quote");
  CHECK_CONTAINS(read_path(t_path("missing.csv"), NULL, 0),
                 "missing.csv: cannot open: No such file or directory");
}

/* Stopping from the callback ends the run with the callback's code. */
static int stop_at_2(void *ctx, const lrc_row *row, lr_buf *e) {
  (void)ctx;
  if (row->index == 2) { lrb_adds(e, "stopped"); return 42; }
  return 0;
}

static void test_stop(void) {
  const char *p = t_path("stop.csv");
  t_write(p, "a\n1\n2\n3\n");
  lrc_reader *r;
  lr_buf e = LR_BUF_INIT;
  lrc_reader_opts o = { p, NULL, 0 };
  CHECK_INT(lrc_reader_open(&r, &o, &e), LR_OK);
  CHECK_INT(lrc_reader_run(r, stop_at_2, NULL, &e), 42);
  CHECK_STR(lrb_str(&e), "stopped");
  lrc_reader_close(r);
  lrb_free(&e);
}

/* Cells longer than one read block, full of line feeds. */
static long long big_lines[8];
static size_t big_len[8];
static int big_n;

static int on_big(void *ctx, const lrc_row *row, lr_buf *e) {
  (void)ctx;
  (void)e;
  if (big_n < 8) {
    big_lines[big_n] = row->line;
    big_len[big_n] = row->n > 1 ? row->cells[1].n : 0;
    big_n++;
  }
  return 0;
}

static void test_big(void) {
  const char *p = t_path("big.csv");
  FILE *f = fopen(p, "wb");
  fputs("id,text\n", f);
  for (int i = 0; i < 3; i++) {
    fprintf(f, "%d,\"", i);
    for (int k = 0; k < 300000; k++) fputc(k % 1000 ? 'x' : '\n', f);
    fputs("\"\n", f);
  }
  fclose(f);
  lrc_reader *r;
  lr_buf e = LR_BUF_INIT;
  lrc_reader_opts o = { p, NULL, 0 };
  lrc_reader_open(&r, &o, &e);
  CHECK_INT(lrc_reader_run(r, on_big, NULL, &e), LR_OK);
  lrc_reader_close(r);
  lrb_free(&e);
  CHECK_INT(big_n, 4);
  CHECK_INT(big_lines[1], 2);          /* each cell holds 300 line feeds */
  CHECK_INT(big_lines[2], 303);
  CHECK_INT(big_lines[3], 604);
  CHECK_INT(big_len[3], 300000);
}

int main(void) {
  t_tmpdir();
  test_basic();
  test_quotes_and_lines();
  test_bom_and_delimiters();
  test_encodings();
  test_bad_cells();
  test_errors();
  test_stop();
  test_big();
  lrb_free(&ev);
  lrb_free(&err);
  return t_done();
}
