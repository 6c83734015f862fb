/*
** source.c -- the bytes of a CSV file as UTF-8: a file or stdin, read in
** large blocks, transcoded with iconv when --encoding names the input's
** encoding.  Memory is two fixed buffers whatever the file size.  A C1
** control character in the transcoded text stops the import: the file is
** not in the encoding given (latin1 for a windows-1252 file).
*/
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"

#define RAW_SIZE (64u << 10)

struct lrc_source {
  int fd;
  int own_fd;
  const char *path;
  iconv_t cd;                /* (iconv_t)-1 without --encoding */
  const char *encoding;
  char raw[RAW_SIZE];        /* undecoded input (iconv only) */
  size_t raw_n;              /* bytes pending in raw */
  int eof;
  long long out_lines;       /* line feeds produced so far (for errors) */
  long long in_offset;       /* input bytes consumed */
};

int lrc_source_open(lrc_source **out, const char *path, const char *encoding,
                    lr_buf *err) {
  *out = NULL;
  lrc_source *s = calloc(1, sizeof *s);
  if (!s) { lrb_adds(err, "out of memory"); return LR_NOMEM; }
  s->path = strcmp(path, "-") == 0 ? "<stdin>" : path;
  s->cd = (iconv_t)-1;
  if (strcmp(path, "-") == 0) {
    s->fd = 0;
  } else {
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) {
      lrb_printf(err, "%s: cannot open: %s", path, strerror(errno));
      free(s);
      return errno == ENOENT ? LR_NOTFOUND : LR_IO;
    }
    s->own_fd = 1;
  }
  if (encoding && *encoding) {
    s->encoding = encoding;
    s->cd = iconv_open("UTF-8", encoding);
    if (s->cd == (iconv_t)-1) {
      lrb_printf(err, "--encoding '%s': unknown encoding (try latin1, "
                 "windows-1252, UTF-16; `iconv -l` lists them)", encoding);
      lrc_source_close(s);
      return LR_MISUSE;
    }
  }
  *out = s;
  return LR_OK;
}

static long read_some(lrc_source *s, char *buf, size_t cap, lr_buf *err) {
  for (;;) {
    ssize_t n = read(s->fd, buf, cap);
    if (n >= 0) return (long)n;
    if (errno == EINTR) continue;
    lrb_printf(err, "%s: read error: %s", s->path, strerror(errno));
    return -LR_IO;
  }
}

static void count_lines(lrc_source *s, const char *p, size_t n) {
  const char *end = p + n;
  while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
    s->out_lines++;
    p++;
  }
}

/* The first C1 control character (U+0080..U+009F) in UTF-8 text, or
** NULL.  A single-byte encoding such as latin1 turns bytes 0x80..0x9F
** into these, where windows-1252 has letters and signs ("\x96" is an
** en dash, "\x80" the euro): no text holds them, so they mean the
** encoding given is not the file's. */
static const char *c1_control(const char *p, size_t n) {
  const char *end = p + n;
  while (p < end && (p = memchr(p, 0xC2, (size_t)(end - p))) != NULL) {
    if (p + 1 < end && (unsigned char)p[1] >= 0x80 &&
        (unsigned char)p[1] <= 0x9F)
      return p;
    p++;
  }
  return NULL;
}

long lrc_source_read(lrc_source *s, char *buf, size_t cap, lr_buf *err) {
  if (s->cd == (iconv_t)-1) return read_some(s, buf, cap, err);
  for (;;) {
    if (!s->eof && s->raw_n < RAW_SIZE) {
      long n = read_some(s, s->raw + s->raw_n, RAW_SIZE - s->raw_n, err);
      if (n < 0) return n;
      if (n == 0) s->eof = 1;
      s->raw_n += (size_t)n;
    }
    if (s->raw_n == 0) return 0;
    char *in = s->raw, *o = buf;
    size_t in_left = s->raw_n, out_left = cap;
    size_t r = iconv(s->cd, &in, &in_left, &o, &out_left);
    int e = errno;
    size_t used = s->raw_n - in_left, made = cap - out_left;
    s->in_offset += (long long)used;
    memmove(s->raw, in, in_left);
    s->raw_n = in_left;
    const char *c1 = c1_control(buf, made);
    if (c1) {
      count_lines(s, buf, (size_t)(c1 - buf));
      lrb_printf(err, "%s:%lld: U+%04X is a control character, not text: "
                 "the file is not %s (one from Excel on Windows is "
                 "windows-1252: --encoding windows-1252)", s->path,
                 s->out_lines + 1, (unsigned char)c1[1], s->encoding);
      return -LR_INPUT;
    }
    count_lines(s, buf, made);
    if (r == (size_t)-1 && e == EILSEQ) {
      lrb_printf(err, "%s:%lld: not valid %s (byte 0x%02X at offset %lld)",
                 s->path, s->out_lines + 1, s->encoding,
                 (unsigned char)s->raw[0], s->in_offset);
      return -LR_INPUT;
    }
    if (r == (size_t)-1 && e == EINVAL && s->eof && made == 0) {
      lrb_printf(err, "%s:%lld: file ends inside a %s character",
                 s->path, s->out_lines + 1, s->encoding);
      return -LR_INPUT;
    }
    if (made > 0) return (long)made;
    if (r == (size_t)-1 && e == E2BIG) {
      lrb_printf(err, "%s: output buffer too small for iconv", s->path);
      return -LR_IO;
    }
    if (s->eof && s->raw_n == 0) return 0;
  }
}

void lrc_source_close(lrc_source *s) {
  if (!s) return;
  if (s->cd != (iconv_t)-1) iconv_close(s->cd);
  if (s->own_fd) close(s->fd);
  free(s);
}
