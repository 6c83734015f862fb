/*
** srcscan.h -- a small Lua tokenizer for static checks of a policy's
** source: which lead fields it reads (lead.NAME, lead["NAME"]), which
** segments it names (segment.NAME, and string literals), with lines.
** Comments and the insides of strings are skipped, so a commented-out
** rule never counts.
*/
#ifndef LR_SRCSCAN_H
#define LR_SRCSCAN_H

#include <stddef.h>

#define LRP_REF_FIELD 1      /* lead.NAME or lead["NAME"] */
#define LRP_REF_SEGMENT 2    /* segment.NAME or segment["NAME"] */
#define LRP_REF_STRING 3     /* any other string literal */
#define LRP_REF_DECL 4       /* the name in stage/segment/rule/grade "NAME" */

typedef struct lrp_ref {
  int kind;
  int line;
  char *name;
} lrp_ref;

typedef struct lrp_refs {
  lrp_ref *v;
  int n, cap;
} lrp_refs;

/* Scan `src`; returns 0, or -1 when memory ran out (refs then partial). */
int lrp_scan_source(const char *src, size_t len, lrp_refs *out);
void lrp_refs_free(lrp_refs *r);

/* 1 when lead.NAME is not a column: id, key, score, stage, scores, grade,
** grades and the lead methods. */
int lrp_lead_builtin(const char *name);

#endif
