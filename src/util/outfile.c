/*
** outfile.c -- a file that appears only complete (outfile.h).  The
** temporary file is fsync'ed before the rename, so that after a crash
** the target holds the old contents or the new, never a part; the
** directory itself is not synced (the rename may be lost, not the file).
*/
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

#define TRIES 100                    /* names tried for the temporary file */
#define BASE_MAX 200                 /* of the target's name kept in it */

/* Create ".NAME.tmp-XXXXXXXX" beside target with O_EXCL; the fd or -1
** with errno set.  *tmp is the name (the caller frees it). */
static int create_tmp(const char *target, char **tmp) {
  const char *slash = strrchr(target, '/');
  const char *base = slash ? slash + 1 : target;
  size_t dirn = slash ? (size_t)(slash - target) + 1 : 0;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  unsigned long seed = (unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 16);
  for (int i = 0; i < TRIES; i++) {
    seed = seed * 6364136223846793005UL + 1442695040888963407UL;
    lr_buf b = LR_BUF_INIT;
    lrb_add(&b, target, dirn);
    lrb_printf(&b, ".%.*s.tmp-%08lx", BASE_MAX, base, (seed >> 24) & 0xffffffffUL);
    if (b.oom) {
      errno = ENOMEM;
      return -1;
    }
    int fd = open(b.p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      *tmp = b.p;
      return fd;
    }
    int e = errno;
    lrb_free(&b);
    errno = e;
    if (e != EEXIST) return -1;
  }
  return -1;
}

int lrb_out_begin(lrb_outfile *o, const char *target) {
  memset(o, 0, sizeof *o);
  struct stat st;
  int exists = stat(target, &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) return EISDIR;
  if (exists && access(target, W_OK) != 0) return errno;
  if (!(o->target = strdup(target))) return ENOMEM;
  if (exists && !S_ISREG(st.st_mode)) {
    o->f = fopen(target, "wb");          /* a device or pipe: in place */
  } else {
    int fd = create_tmp(target, &o->tmp);
    o->f = fd < 0 ? NULL : fdopen(fd, "wb");
    if (fd >= 0 && !o->f) {
      int e = errno;
      close(fd);
      errno = e;
    }
  }
  if (!o->f) {
    int e = errno;
    lrb_out_abort(o);
    return e ? e : EIO;
  }
  return 0;
}

int lrb_out_write(lrb_outfile *o, const void *p, size_t n) {
  if (o->err || !o->f) return 1;
  if (fwrite(p, 1, n, o->f) == n) return 0;
  o->err = errno ? errno : EIO;
  return 1;
}

int lrb_out_sync(lrb_outfile *o) {
  if (!o->f) return o->err;
  if (!o->err && fflush(o->f) != 0) o->err = errno ? errno : EIO;
  if (!o->err && o->tmp && fsync(fileno(o->f)) != 0) o->err = errno;
  if (fclose(o->f) != 0 && !o->err) o->err = errno ? errno : EIO;
  o->f = NULL;                         /* later writes are refused */
  return o->err;
}

int lrb_out_commit(lrb_outfile *o) {
  int e = lrb_out_sync(o);
  if (!e && o->tmp && rename(o->tmp, o->target) != 0) e = errno;
  if (!e) {
    free(o->tmp);                       /* renamed: nothing to remove */
    o->tmp = NULL;
  }
  lrb_out_abort(o);
  return e;
}

void lrb_out_abort(lrb_outfile *o) {
  if (o->f) fclose(o->f);
  if (o->tmp) unlink(o->tmp);
  free(o->tmp);
  free(o->target);
  memset(o, 0, sizeof *o);
}
