/*
** fixture.h -- SQL segments for a contact that exists only in memory (a
** test fixture): the contact is written into a scratch database inside a
** savepoint, each segment's `where` runs against it as real SQL, and
** everything is rolled back.
*/
#ifndef LR_FIXTURE_H
#define LR_FIXTURE_H

#include <sqlite3.h>
#include <stddef.h>

#include "contact.h"

/*
** For each i < nsql with want[i] set, member[i] = 1 when the contact
** (row values named by colnames; its activities and outcome) matches
** sqls[i].  Columns the contacts table lacks are added inside the
** savepoint.  With add_missing, a column the SQL names that the fixture
** does not give is added as NULL and the statement retried.
** Returns an SQLite code; err says what failed and *bad is the index of
** the failing SQL (-1 when writing the contact failed).
*/
int lrs_fixture_members(sqlite3 *conn, const lrs_contact *c,
                        const char *const *colnames,
                        const char *const *sqls, int nsql,
                        const unsigned char *want, int add_missing,
                        unsigned char *member, int *bad, char *err,
                        size_t errlen);

#endif
