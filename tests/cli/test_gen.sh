#!/usr/bin/env bash
# scripts/gen: deterministic, the sizes asked for, and the CSV quirks it
# promises (quoted newlines, leading-zero postal codes, text phone numbers).
. "$LR_SRC/tests/cli/lib.sh"
GEN="$LR_SRC/scripts/gen"

expect_ok "$GEN" --contacts 2000 --seed 7 --out a
contains "2000 contacts"
expect_ok "$GEN" --contacts 2000 --seed 7 --out b
for f in contacts activities outcomes; do
  same "$(sha256sum <a/$f.csv)" "$(sha256sum <b/$f.csv)" "($f.csv: same seed, same bytes)"
done
expect_ok "$GEN" --contacts 2000 --seed 8 --out c
if [ "$(sha256sum <a/contacts.csv)" != "$(sha256sum <c/contacts.csv)" ]; then pass
else fail "another seed gives the same contacts.csv"; fi

same "$(head -1 a/contacts.csv)" "Email,First Name,Last Name,Company,Job Title,Country,Industry,Company Size,Lead Source,Created Date,Phone,Postal Code,Annual Revenue,Website Visits,Notes"
same "$(head -1 a/activities.csv)" "email,type,occurred_at,value,campaign"
same "$(head -1 a/outcomes.csv)" "email,result,amount,closed_at"

# The rest is checked with Python's csv module; each problem is one line.
expect_ok python3 - a 2000 8 <<'PY'
import csv, re, sys, datetime as dt
d, n, mean = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
now = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
bad = []
def check(ok, what):
    if not ok: bad.append(what)
rows = list(csv.reader(open(d + "/contacts.csv", newline="", encoding="utf-8")))[1:]
check(len(rows) == n, "contacts: %d rows, want %d" % (len(rows), n))
check(all(len(r) == 15 for r in rows), "contacts: a row without 15 fields")
keys = [r[0].strip().lower() for r in rows]
check(len(set(keys)) == n, "contacts: duplicate emails")
check(any(r[0] != r[0].lower() for r in rows), "contacts: no mixed-case email")
rival = sum(k.endswith("@rival.example") for k in keys)
check(0.003 * n <= rival <= 0.025 * n, "contacts: %d at rival.example" % rival)
notes = [r[14] for r in rows]
check(any("\n" in x for x in notes), "contacts: no quoted newline in Notes")
check(any('"' in x for x in notes), "contacts: no quote in Notes")
check(any("," in r[3] for r in rows), "contacts: no comma in Company")
check(any(re.fullmatch(r"0\d{4}", r[11]) for r in rows), "contacts: no leading-zero postal code")
check(any(re.fullmatch(r"\+1 555 01\d\d", r[10]) for r in rows), "contacts: no +1 555 01xx phone")
check(any(r[7] == "" for r in rows) and any(r[4] == "" for r in rows), "contacts: no empty cells")
titles = " ".join(r[4] for r in rows)
for w in ("VP", "Director", "Head of", "Chief", "Manager", "Student", "Intern"):
    check(w in titles, "contacts: no title with " + w)
sizes = [int(r[7]) for r in rows if r[7]]
big = sum(s >= 1000 for s in sizes)
check(0.05 * len(sizes) < big < 0.4 * len(sizes), "contacts: %d of %d enterprises" % (big, len(sizes)))
for c in ("US", "GB", "DE", "FR", "CA", "IN", "BR"):
    check(any(r[5] == c for r in rows), "contacts: no country " + c)

acts = list(csv.reader(open(d + "/activities.csv", newline="", encoding="utf-8")))[1:]
per = {}
order = {k: i for i, k in enumerate(keys)}
last = (-1, "")
types = set()
for a in acts:
    check(len(a) == 5, "activities: row without 5 fields: %r" % a)
    check(a[0] in order, "activities: unknown contact " + a[0])
    types.add(a[1])
    check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", a[2]) is not None, "activities: time " + a[2])
    t = dt.datetime.fromisoformat(a[2])
    check(now - dt.timedelta(days=180) <= t <= now, "activities: time out of range " + a[2])
    cur = (order.get(a[0], -1), a[2])
    check(cur >= last, "activities: not sorted by contact then time at %r" % a)
    last = cur
    per[a[0]] = per.get(a[0], 0) + 1
    if len(bad) > 5: break
check(types == {"email_open", "email_click", "page_view", "form_submit",
                "webinar_attended", "demo_request"}, "activities: types %s" % sorted(types))
m = len(acts) / n
check(0.7 * mean <= m <= 1.3 * mean, "activities: mean %.2f per contact, want ~%g" % (m, mean))
check(max(per.values()) >= 5 * mean, "activities: counts not skewed (max %d)" % max(per.values()))
check(sum(1 for k in keys if k not in per) > 0.05 * n, "activities: too few contacts without any")

outs = list(csv.reader(open(d + "/outcomes.csv", newline="", encoding="utf-8")))[1:]
check(0.05 * n <= len(outs) <= 0.16 * n, "outcomes: %d rows for %d contacts" % (len(outs), n))
check({o[1] for o in outs} == {"won", "lost"}, "outcomes: results %s" % {o[1] for o in outs})
check(all(o[0] in order for o in outs), "outcomes: unknown contact")
check(all((o[2] != "") == (o[1] == "won") for o in outs), "outcomes: amount only when won")
print("\n".join(bad) if bad else "gen output ok")
sys.exit(1 if bad else 0)
PY
contains "gen output ok"

# --order time: the same rows, sorted by time alone (an event log), ties
# in contact order; contacts and outcomes unchanged; deterministic.
expect_ok "$GEN" --contacts 2000 --seed 7 --order time --out t
expect_ok "$GEN" --contacts 2000 --seed 7 --order time --out t2 -q
same "$(sha256sum <t/activities.csv)" "$(sha256sum <t2/activities.csv)" "(time order: same seed, same bytes)"
for f in contacts outcomes; do
  same "$(sha256sum <t/$f.csv)" "$(sha256sum <a/$f.csv)" "($f.csv: the same in time order)"
done
same "$(head -1 t/activities.csv)" "email,type,occurred_at,value,campaign"
if cmp -s a/activities.csv t/activities.csv; then fail "time order: same file as contact order"; else pass; fi
expect_ok python3 - a t <<'PY'
import csv, sys
a, t = sys.argv[1], sys.argv[2]
keys = [r[0].strip().lower() for r in list(csv.reader(open(a + "/contacts.csv", newline="", encoding="utf-8")))[1:]]
order = {k: i for i, k in enumerate(keys)}
by_contact = list(csv.reader(open(a + "/activities.csv", newline="", encoding="utf-8")))[1:]
by_time = list(csv.reader(open(t + "/activities.csv", newline="", encoding="utf-8")))[1:]
bad = []
if sorted(by_contact) != sorted(by_time):
    bad.append("time order: not the same rows as contact order")
# contact order, stably sorted by time, is exactly the time-ordered file
if sorted(by_contact, key=lambda r: r[2]) != by_time:
    bad.append("time order: not sorted by time with ties in contact order")
days = {r[2][:10] for r in by_time}
if len(days) < 100:
    bad.append("time order: only %d days" % len(days))
print("\n".join(bad) if bad else "time order ok")
sys.exit(1 if bad else 0)
PY
contains "time order ok"
expect_fail 2 "$GEN" --contacts 5 --order random --out z
ls -A t | grep -q gen-days && fail "time order left its temporary files" || pass

# No activities when asked for none; a bad argument is a usage error.
expect_ok "$GEN" --contacts 50 --activities-per-contact 0 --out z -q
same "$(wc -l <z/activities.csv)" "1" "(header only)"
expect_fail 2 "$GEN" --contacts -1 --out z
expect_fail 2 "$GEN" --out z

finish
