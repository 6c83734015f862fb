/*
** test_domain.c -- hosts for account matching (src/util/domain.c): URLs,
** case, www, ports, emails, and the free-mail list read from the
** embedded stdlib/freemail.lua.
*/
#include "t.h"
#include "util/domain.h"

static const char *host(const char *s) {
  static char out[256];
  return lru_host(s, strlen(s), out, sizeof out) ? out : "";
}

static const char *mail(const char *s) {
  static char out[256];
  return lru_email_domain(s, strlen(s), out, sizeof out) ? out : "";
}

static void test_hosts(void) {
  CHECK_STR(host("acme.example"), "acme.example");
  CHECK_STR(host("  ACME.Example  "), "acme.example");
  CHECK_STR(host("https://www.Acme.example/about?x=1#top"), "acme.example");
  CHECK_STR(host("http://user:pw@shop.acme.example:8080/"), "shop.acme.example");
  CHECK_STR(host("acme.example."), "acme.example");
  CHECK_STR(host("www.acme.example"), "acme.example");
  CHECK_STR(host("wwwacme.example"), "wwwacme.example");
  CHECK_STR(host("acme.example/path"), "acme.example");
  CHECK_STR(host(""), "");
  CHECK_STR(host("   "), "");
  CHECK_STR(host("localhost"), "");            /* no dot: not a domain */
  CHECK_STR(host("Acme Corp"), "");            /* a space */
  CHECK_STR(host("https://"), "");
  char small[5];
  CHECK_INT(lru_host("acme.example", 12, small, sizeof small), 0);
}

static void test_mail(void) {
  CHECK_STR(mail("Ana@ACME.example"), "acme.example");
  CHECK_STR(mail(" ana@acme.example "), "acme.example");
  CHECK_STR(mail("a@b@globex.example.de"), "globex.example.de");
  CHECK_STR(mail("no-at-sign.example"), "");
  CHECK_STR(mail("ana@"), "");
  CHECK_STR(mail("ana@acme.example/x"), "");
}

static void test_freemail(void) {
  CHECK(lru_is_freemail("gmail.com"));
  CHECK(lru_is_freemail("hotmail.co.uk"));
  CHECK(lru_is_freemail("proton.me"));
  CHECK(!lru_is_freemail("acme.example"));
  CHECK(!lru_is_freemail("mail.gmail.com"));   /* exact domains only */
  CHECK(!lru_is_freemail(NULL));
  CHECK(!lru_is_freemail(""));
}

int main(void) {
  test_hosts();
  test_mail();
  test_freemail();
  return t_done();
}
