/*
** fixture.h -- SQL segments for a contact that exists only in memory (a
** test fixture): the contact is written into a scratch database inside a
** savepoint, each segment's `where` runs against it as real SQL, and
** everything is rolled back.
*/
#ifndef LR_FIXTURE_H
#define LR_FIXTURE_H

#include <stddef.h>

#include "../leadrules.h"
#include "contact.h"

/*
** For each i < nsql with want[i] set, member[i] = 1 when the contact
** (row values named by colnames; its activities and outcome) matches
** sqls[i].  Columns the contacts table lacks are added inside the
** savepoint.  With add_missing, a column the SQL names that the fixture
** does not give is added as NULL and the statement retried.
** db is the scratch database the fixture is written to (its main
** connection, outside any transaction of the caller's).
** Returns an LR code; err says what failed and *bad is the index of the
** failing SQL (-1 when writing the contact failed).
*/
int lrs_fixture_members(lr_db *db, const lrs_contact *c,
                        const char *const *colnames,
                        const char *const *sqls, int nsql,
                        const unsigned char *want, int add_missing,
                        unsigned char *member, int *bad, char *err,
                        size_t errlen);

#endif
