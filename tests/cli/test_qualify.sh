# Qualification depth end to end on the B2B example: import the generated
# data, run examples/b2b_saas.lua, explain a contact (golden text and
# JSON), move and set by hand (the lock and its release), the SLA recycle,
# and scripts run as `leadrules FILE` and through their shebang.
source "$LR_SRC/tests/cli/lib.sh"
G="$LR_SRC/tests/cli/golden"
golden() { same "$OUT" "$(cat "$G/$1")" "(golden $1)"; diff <(echo "$OUT") "$G/$1" >&2; }
D="$LR_SRC/examples/data/b2b"
cp "$LR_SRC/examples/b2b_saas.lua" .            # so that `where` reads b2b_saas.lua:N
NOW=2026-11-01
stage_of() { sql "SELECT ifnull(stage, '-') FROM contacts WHERE key='$1'"; }

expect_ok lr import contacts "$D/contacts.csv" --map 'Job Title=title'
expect_ok lr import activities "$D/activities.csv"
expect_ok lr import outcomes "$D/outcomes.csv"

# -- the example policy
expect_ok lr run b2b_saas.lua --now $NOW
contains "contacts   300 evaluated"
contains "subscriber->lead               159"
contains "mql->sql                       4"
contains "*->customer                    10"
contains "success@corp.example           10"
same "$(sql "SELECT group_concat(stage || '=' || n, ' ') FROM (SELECT stage, count(*) n
           FROM contacts GROUP BY stage ORDER BY stage) AS t")" \
     "customer=10 disqualified=29 lead=116 mql=39 nurture=13 sql=4 subscriber=89"
same "$(sql "SELECT group_concat(grade || '=' || n, ' ') FROM (SELECT grade, count(*) n
           FROM contacts GROUP BY grade ORDER BY grade) AS t")" "A=35 B=82 C=140 D=43"
same "$(sql "SELECT count(*) FROM contacts WHERE scores LIKE '{\"fit\":%,\"engagement\":%}'")" 300
same "$(sql "SELECT reason FROM stage_history WHERE to_stage='nurture' LIMIT 1")" \
     "closed lost: back to marketing"
# routing: territories and the round robin, each with a due time
same "$(sql "SELECT count(*) FROM assignments WHERE stage='sql' AND due = at + 2*86400")" 4
same "$(sql "SELECT group_concat(x, ' ') FROM (SELECT c.country || '>' || a.owner AS x
           FROM assignments a JOIN contacts c ON c.id = a.contact_id
           WHERE a.stage='sql' ORDER BY a.id) AS t")" \
     "BR>ben@corp.example IE>ana@corp.example US>ben@corp.example PL>cy@corp.example"
# the same again changes nothing
expect_ok lr run b2b_saas.lua --now $NOW
contains "0 score changes, 0 stage changes"

# -- explain: golden text, either argument order, JSON
K=fnelson99@fapeal.example.com
expect_ok lr explain $K b2b_saas.lua --now $NOW
golden explain_b2b.txt
expect_ok lr explain b2b_saas.lua $K --now $NOW
golden explain_b2b.txt
expect_ok lr explain $K b2b_saas.lua --now $NOW --json
echo "$OUT" > explain.json
expect_ok python3 -c '
import json, sys
d = json.load(open("explain.json"))
assert d["contact"]["key"] == "'$K'" and d["contact"]["stage"] == "mql"
assert d["next"]["stage"] == "sql" and d["next"]["points_needed"] == 5
rules = {r["name"]: r for r in d["rules"]}
assert rules["demo request"]["fired"] and rules["demo request"]["points"] == 40
assert rules["demo request"]["why"] == "did(demo_request within 14d)=yes"
assert [g["grade"] for g in d["scores"]] == ["B", "hot", None]
assert d["transitions"][-1]["name"] == "mql->sql" and not d["transitions"][-1]["fired"]
print("json ok")'
contains "json ok"
expect_fail 1 lr explain nobody@x.example b2b_saas.lua --now $NOW
contains "no contact with key 'nobody@x.example'"
expect_fail 2 lr explain $K
# explain writes nothing
before=$(sql "SELECT count(*) FROM runs")
expect_ok lr explain $K b2b_saas.lua --now $NOW
same "$(sql "SELECT count(*) FROM runs")" "$before"

# -- manual move: recorded, locks the stage, shown by explain
expect_ok lr move $K sql --reason "asked for pricing on the phone" --by ana@corp.example --now 2026-11-01T10:00:00Z
contains "moved $K to sql"
same "$(stage_of $K)" sql
same "$(sql "SELECT from_stage || '>' || to_stage || '|' || by || '|' || reason FROM stage_history
           WHERE contact_id=(SELECT id FROM contacts WHERE key='$K') ORDER BY id DESC LIMIT 1")" \
     "mql>sql|ana@corp.example|asked for pricing on the phone"
expect_ok lr run b2b_saas.lua --now 2026-11-01T11:00:00Z
same "$(stage_of $K)" sql                      # the policy left it there
same "$(sql "SELECT owner FROM contacts WHERE key='$K'")" ben@corp.example   # handed off
expect_ok lr explain $K b2b_saas.lua --now 2026-11-01T11:00:00Z
contains "  move  moved mql -> sql by ana@corp.example at 2026-11-01T10:00:00Z: asked for pricing on the phone"
contains "  lock  moved by hand to sql at 2026-11-01T10:00:00Z; the lock holds until a later move"
contains "the manual lock holds"
expect_fail 2 lr move $K sql
contains "--reason TEXT is required"
USER=carol expect_ok lr move $K nurture --reason "wrong person" --now 2026-11-01T12:00:00Z
same "$(sql "SELECT by FROM stage_history ORDER BY id DESC LIMIT 1")" carol

# -- set: audit, typed, refused fields; a data change does not release the lock
expect_ok lr set $K company_size=2500 --reason "checked on LinkedIn" --by ops --now 2026-11-01T13:00:00Z
same "$(sql "SELECT typeof(company_size) || company_size FROM contacts WHERE key='$K'")" integer2500
same "$(sql "SELECT field || '|' || ifnull(old_value, 'NULL') || '>' || new_value || '|' || by || '|' || reason
           FROM audit ORDER BY id DESC LIMIT 1")" "company_size|12>2500|ops|checked on LinkedIn"
expect_ok lr set $K postal_code 02134 --reason "typo" --by ops
same "$(sql "SELECT postal_code FROM contacts WHERE key='$K'")" "02134"
expect_fail 2 lr set $K score=100 --reason "x"
contains "'score' is owned by the engine"
expect_fail 1 lr set $K favourite_color=blue --reason "x"
contains "unknown field 'favourite_color'"
expect_fail 2 lr set $K title=x
# the data changed, the person's "nurture" stands; the run says what it held
expect_ok lr run b2b_saas.lua --now 2026-11-01T13:30:00Z
same "$(stage_of $K)" nurture
contains "held       3 transitions held back by manual moves"
same "$(sql "SELECT held_by_manual FROM runs ORDER BY id DESC LIMIT 1")" 3
expect_ok lr explain $K b2b_saas.lua --now 2026-11-01T13:30:00Z
contains "  lock  moved by hand to nurture at 2026-11-01T12:00:00Z; the lock holds"
contains "it held back nurture->lead (b2b_saas.lua:"
contains "and 2 more, to sql"
# set stage=... is a move: history, and a new lock
expect_ok lr set $K stage=lead --reason "re-qualify" --by ops --now 2026-11-01T13:40:00Z
same "$(sql "SELECT from_stage || '>' || to_stage || '|' || by || '|' || at FROM stage_history ORDER BY id DESC LIMIT 1")" \
     "nurture>lead|ops|$(date -u -d 2026-11-01T13:40:00Z +%s)"
same "$(stage_of $K)" lead
# --override-manual applies the policy and ends the lock:
# lead (hot, no outcome) -> mql -> sql (enterprise now, demo)
expect_ok lr run b2b_saas.lua --now 2026-11-01T14:00:00Z --override-manual
same "$(stage_of $K)" sql
contains "held       0 transitions held back by manual moves"
same "$(sql "SELECT manual_at IS NULL AND manual_until IS NULL FROM contacts WHERE key='$K'")" 1
expect_ok lr explain $K b2b_saas.lua --now 2026-11-01T14:00:00Z
lacks "  lock  "

# -- the SLA: sales did not act within 2 days
expect_ok lr run b2b_saas.lua --now 2026-11-04
contains "sql->nurture"
same "$(sql "SELECT count(*) FROM stage_history WHERE reason LIKE 'SLA breached%'")" 5

# -- scripts: leadrules FILE, options anywhere, the shebang, dry runs
cat > count.lua <<'EOF'
local n = 0
for lead in leads{ stage = arg[1] } do n = n + 1 end
print(arg[1], n)
EOF
expect_ok lr count.lua nurture
same "$OUT" "nurture	18"
expect_ok lr count.lua --now $NOW nurture --dry-run
contains "dry run of count.lua: 18 leads, 0 moves, 0 fields set; nothing was written"
# The shipped script whose where reads activities (on PostgreSQL too:
# docs/postgresql.md, "SQL in a segment's where").
mkdir -p bin && ln -sf "$LEADRULES" bin/leadrules
h0=$(db_digest)
PATH="$PWD/bin:$PATH" expect_ok "$LR_SRC/scripts/tag-webinar-attendees.lua" webinar-roi --dry-run
contains "new field last_webinar"
contains "attendee(s) of webinar-roi"
same "$(db_digest)" "$h0" "(dry run wrote nothing)"
PATH="$PWD/bin:$PATH" expect_ok "$LR_SRC/scripts/tag-webinar-attendees.lua" webinar-roi --by ops
n=$(sql "SELECT count(DISTINCT contact_id) FROM activities WHERE type='webinar_attended' AND campaign='webinar-roi'")
same "$(sql "SELECT count(*) FROM contacts WHERE last_webinar='webinar-roi'")" "$n"
same "$(sql "SELECT kind || '|' || by FROM runs ORDER BY id DESC LIMIT 1")" "script|ops"
expect_ok lr "$LR_SRC/scripts/reassign-owner.lua" ben@corp.example cy@corp.example "ben moved to EMEA" --by ops
contains "reassigned to cy@corp.example"
same "$(sql "SELECT count(*) FROM contacts WHERE owner='ben@corp.example' AND stage NOT IN ('customer','nurture','disqualified')")" 0
expect_ok lr "$LR_SRC/scripts/recycle-stale-sql.lua" 30 --now 2026-12-15 --by ops
contains "stale SQL(s) recycled to nurture"
same "$(sql "SELECT count(*) FROM contacts WHERE stage='sql'")" 0
# errors name the script and line, and roll everything back
printf 'for lead in leads{} do lead:set("title", "x") end\nerror("stop")\n' > bad.lua
h1=$(db_digest)
expect_fail 1 lr bad.lua
contains "bad.lua:2: stop"
same "$(db_digest)" "$h1" "(failed script rolled back)"
expect_fail 2 lr --dry-run bad.lua
finish
