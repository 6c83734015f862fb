/*
** test_fold.c -- header folding (lr_fold_name) and CRM aliases.
*/
#include "csv/csv.h"
#include "leadrules.h"
#include "t.h"

static const char *fold(const char *h) {
  static char buf[128];
  lr_fold_name(h, buf, sizeof buf);
  return buf;
}

static void test_examples(void) {
  CHECK_STR(fold("Total Time Spent on Website"), "total_time_spent_on_website");
  CHECK_STR(fold("Lead Number"), "lead_number");
  CHECK_STR(fold("A free copy of Mastering The Interview"),
            "a_free_copy_of_mastering_the_interview");
  CHECK_STR(fold("Prospect ID"), "prospect_id");
  CHECK_STR(fold("TotalVisits"), "totalvisits");          /* no camel split */
  CHECK_STR(fold("email"), "email");
  CHECK_STR(fold("E-Mail"), "e_mail");
}

static void test_separators_and_trim(void) {
  CHECK_STR(fold("  Job   Title  "), "job_title");
  CHECK_STR(fold("--Job--Title--"), "job_title");
  CHECK_STR(fold("Country/Region"), "country_region");
  CHECK_STR(fold("a.b,c;d(e)"), "a_b_c_d_e");
  CHECK_STR(fold("How did you hear about X Education?"),
            "how_did_you_hear_about_x_education");
  CHECK_STR(fold("snake_case_already"), "snake_case_already");
  CHECK_STR(fold("__x__"), "x");
  CHECK_STR(fold("Lead's Score"), "leads_score");          /* apostrophe */
  CHECK_STR(fold("Lead\xE2\x80\x99s Score"), "leads_score");  /* ’ */
  CHECK_STR(fold("Conversion %"), "conversion_pct");
  CHECK_STR(fold("Phone #"), "phone_num");
  CHECK_STR(fold("R&D Budget"), "r_and_d_budget");
  CHECK_STR(fold("Tab\tand\nnewline"), "tab_and_newline");
}

static void test_digits(void) {
  CHECK_STR(fold("2FA Enabled"), "x_2fa_enabled");
  CHECK_STR(fold("123"), "x_123");
  CHECK_STR(fold("Address 2"), "address_2");
  CHECK_STR(fold("Q3 2024 Revenue"), "q3_2024_revenue");
}

static void test_non_ascii(void) {
  CHECK_STR(fold("Größe"), "grosse");
  CHECK_STR(fold("Prénom"), "prenom");
  CHECK_STR(fold("Ciudad Año"), "ciudad_ano");
  CHECK_STR(fold("Æbleskiver Ørsted Åse"), "aebleskiver_orsted_ase");
  CHECK_STR(fold("Łódź Śląsk"), "lodz_slask");
  CHECK_STR(fold("Œuvre"), "oeuvre");
  CHECK_STR(fold("Prénom"), "prenom");             /* e + U+0301 */
  CHECK_STR(fold("Имя"), "");                            /* caller: column_N */
  CHECK_STR(fold("Name (Имя)"), "name");
  CHECK_STR(fold("価格 Price"), "price");
  CHECK_STR(fold("\xFF\xFE bad bytes"), "bad_bytes");    /* invalid UTF-8 */
  CHECK_STR(fold("×÷"), "");
  CHECK_STR(fold(""), "");
  CHECK_STR(fold(NULL), "");
}

static void test_length(void) {
  char longh[300];
  memset(longh, 'a', 299);
  longh[299] = '\0';
  CHECK_INT(strlen(fold(longh)), LRC_NAME_MAX);
  /* a cut never leaves a trailing '_' */
  char h[200];
  snprintf(h, sizeof h, "%.*s bbbbbbbb", 62, longh);
  const char *f = fold(h);
  CHECK_INT(strlen(f), 62);
  CHECK(f[strlen(f) - 1] != '_');
  /* with the prefix the name still fits */
  snprintf(h, sizeof h, "9%.*s", 80, longh);
  CHECK_INT(strlen(fold(h)), LRC_NAME_MAX);
  CHECK(strncmp(fold(h), "x_9", 3) == 0);
  /* a small buffer truncates, NUL-terminated */
  char small[6];
  lr_fold_name("Total Time", small, sizeof small);
  CHECK_STR(small, "total");
  lr_fold_name("Total Time", small, 1);
  CHECK_STR(small, "");
}

static void test_deterministic(void) {
  char a[64], b[64];
  lr_fold_name("Ünïcödé Hëådér №5", a, sizeof a);
  lr_fold_name("Ünïcödé Hëådér №5", b, sizeof b);
  CHECK_STR(a, b);
  CHECK_STR(a, "unicode_header_5");
}

static void test_aliases(void) {
  CHECK_STR(lrc_alias("job_title"), "title");
  CHECK_STR(lrc_alias("lead_source"), "source");
  CHECK_STR(lrc_alias("company_name"), "company");
  CHECK_STR(lrc_alias("created_date"), "created_at");
  CHECK_STR(lrc_alias("email_address"), "email");
  CHECK_STR(lrc_alias("number_of_employees"), "company_size");
  CHECK(lrc_alias("lead_origin") == NULL);
  CHECK(lrc_alias("position") == NULL);       /* ambiguous: not an alias */
  CHECK(lrc_alias("title") == NULL);
}

int main(void) {
  test_examples();
  test_separators_and_trim();
  test_digits();
  test_non_ascii();
  test_length();
  test_deterministic();
  test_aliases();
  return t_done();
}
