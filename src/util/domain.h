/*
** domain.h -- the host an account is keyed by: a domain typed by hand, a
** website URL, or the part of an email after the '@', reduced to one
** lower-case form so that "https://www.Acme.example/about",
** "acme.example" and "ana@ACME.example" all name the account
** "acme.example".  Free-mail domains (stdlib/freemail.lua) never name an
** account.
*/
#ifndef LR_DOMAIN_H
#define LR_DOMAIN_H

#include <stddef.h>

/* The host of s (n bytes): scheme, user, port, path, query and fragment
** dropped, a leading "www." and a trailing '.' removed, lower-cased, into
** out (cap bytes, NUL-terminated).  Returns its length, or 0 when s holds
** no host (empty, spaces, no dot, a character a host cannot have) or it
** does not fit. */
size_t lru_host(const char *s, size_t n, char *out, size_t cap);

/* The domain of an email address (after its last '@'), as lru_host; 0
** when s has no '@' or no valid domain after it. */
size_t lru_email_domain(const char *s, size_t n, char *out, size_t cap);

/* 1 when the (lower-case) domain is in the shipped free-mail list
** (stdlib/freemail.lua, read once from the embedded module). */
int lru_is_freemail(const char *domain);

#endif
