/*
** csvout.c -- writing CSV cells (RFC 4180) for export, handoffs and
** rejects files.
*/
#include <string.h>

#include "csv.h"

int lrc_formula_like(const char *s, size_t n) {
  return n > 0 && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
                   s[0] == '\t' || s[0] == '\r');
}

void lrc_out_cell(lr_buf *b, const char *s, size_t n, char delim) {
  int quote = n > 0 && (s[0] == ' ' || s[n - 1] == ' ');
  for (size_t i = 0; i < n && !quote; i++) {
    char c = s[i];
    quote = c == delim || c == '"' || c == '\n' || c == '\r';
  }
  if (!quote) {
    lrb_add(b, s, n);
    return;
  }
  lrb_addc(b, '"');
  const char *end = s + n, *q;
  while ((q = memchr(s, '"', (size_t)(end - s))) != NULL) {
    lrb_add(b, s, (size_t)(q - s) + 1);
    lrb_addc(b, '"');
    s = q + 1;
  }
  lrb_add(b, s, (size_t)(end - s));
  lrb_addc(b, '"');
}

void lrc_out_text(lr_buf *b, const char *s, size_t n, int raw) {
  if (raw || !lrc_formula_like(s, n)) {
    lrc_out_cell(b, s, n, ',');
    return;
  }
  lr_buf t = LR_BUF_INIT;            /* rare: formula-like text */
  lrb_addc(&t, '\'');
  lrb_add(&t, s, n);
  if (t.oom) b->oom = 1;
  else lrc_out_cell(b, lrb_str(&t), t.n, ',');
  lrb_free(&t);
}
