#!/usr/bin/env python3
"""pagecheck.py report|backtest PAGE.html SAME.json [CHARTS]

Checks an HTML page leadrules wrote (report --html or backtest --html):

- it is well-formed HTML5 for our purposes: a doctype, every element
  closed in order (void elements excepted), nothing left open, no script,
  no external reference;
- it holds CHARTS charts (<svg data-chart=...>), when CHARTS is given;
- the numbers each chart draws (its data-values JSON) are the numbers
  that `--json` of the same command gives (SAME.json), recomputed here
  from the JSON's own tables: groups folded into "(other)" beyond the ten
  largest, rates as ratios of counts, owners sorted by handoffs.

Prints one line per check; exit 1 when any fails."""
import html.parser
import json
import math
import sys

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "source", "track", "wbr"}
TOP = 10
FAILED = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        FAILED.append(what)


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.charts, self.doctype = [], [], {}, False
        self.order, self.scripts, self.items, self._li = [], 0, [], None
        self.texts, self.boxes, self._text, self._title = {}, {}, None, False

    def handle_decl(self, decl):
        self.doctype |= decl.lower() == "doctype html"

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        for k in ("src", "href"):
            if k in a:
                self.errors.append(f"<{tag} {k}=...>: an external reference")
        if tag == "svg" and "data-chart" in a:
            self.charts[a["data-chart"]] = json.loads(a["data-values"])
            self.order.append(a["data-chart"])
        if tag == "li":
            self._li = ""
        if tag == "text" and self.order and "transform" not in a:
            self._text = [a, ""]
        if tag == "title":
            self._title = True
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):    # <rect .../> in SVG
        a = dict(attrs)
        if tag == "rect" and a.get("class") == "bar" and self.order:
            self.boxes.setdefault(self.order[-1], []).append(
                (float(a["x"]), float(a["y"]), float(a["width"]), float(a["height"])))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            top = self.stack[-1] if self.stack else ("nothing", (0, 0))
            self.errors.append(f"line {self.getpos()[0]}: </{tag}> closes "
                               f"<{top[0]}> of line {top[1][0]}")
            return
        self.stack.pop()
        if tag == "title":
            self._title = False
        if tag == "text" and self._text:
            self.texts.setdefault(self.order[-1], []).append(self._text)
            self._text = None
        if tag == "li" and self._li is not None:
            self.items.append(self._li.strip())
            self._li = None

    def handle_data(self, data):
        if self._li is not None:
            self._li += data
        if self._text is not None and not self._title:
            self._text[1] += data


def extent(a, text):
    """A text's box, from its position, anchor and a mean glyph width of
    6.2 px at 11 px (14 px text: 8 px)."""
    big = "font-size:14px" in a.get("style", "")
    w = len(text) * (8.0 if big else 6.2)
    x, y = float(a["x"]), float(a["y"])
    anchor = a.get("text-anchor", "start")
    x0 = x - w if anchor == "end" else x - w / 2 if anchor == "middle" else x
    return (x0, y - (11 if big else 8), w, 10 if big else 8)


def cross(p, q):
    return p[0] < q[0] + q[2] - 0.5 and q[0] < p[0] + p[2] - 0.5 and \
        p[1] < q[1] + q[3] - 0.5 and q[1] < p[1] + p[3] - 0.5


def overlaps(page):
    """Labels that touch each other, or a bar (a count written inside
    its bar, in white, is meant to be there)."""
    bad = []
    for chart, texts in page.texts.items():
        boxes = [(extent(a, t), t, a) for a, t in texts if t.strip()]
        for i, (p, t, a) in enumerate(boxes):
            for q, u, _ in boxes[i + 1:]:
                if cross(p, q):
                    bad.append(f"{chart}: '{t}' over '{u}'")
            if "fill" in a:
                continue
            for r in page.boxes.get(chart, []):
                if r[2] > 0 and r[3] > 0 and cross(p, r):
                    bad.append(f"{chart}: '{t}' over a bar")
                    break
    return bad


def parse(path):
    p = Page()
    p.feed(open(path, encoding="utf-8").read())
    p.close()
    check(p.doctype, "<!DOCTYPE html>")
    check(not p.errors, "tags balanced " + "; ".join(p.errors[:5]))
    check(not p.stack, "nothing left open " + str(p.stack[:5]))
    check(p.scripts == 0, "no script")
    bad = overlaps(p)
    check(not bad, "no label over another or over a bar " + "; ".join(bad[:6]))
    return p


def near(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and \
            all(near(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return b is None or (isinstance(b, float) and math.isnan(b))
    return abs(a - b) <= 1e-9 * max(1, abs(a), abs(b))


def ratio(a, b):
    return a / b if b else None


def fold(rows, key, groups):
    """rows by group name -> per chart row, the ten largest groups (in
    the JSON's order) and "(other)" for the rest, each summed."""
    names = [g for g in groups if g != "(all)"]
    out, order = {}, []
    for i, g in enumerate(names):
        name = g if i < TOP or len(names) == TOP + 1 else "(other)"
        if name not in out:
            out[name] = None
            order.append(name)
        r = rows.get(g)
        if r is not None:
            out[name] = key(r) if out[name] is None else \
                [x + y for x, y in zip(out[name], key(r))]
    return order, out


def sort_rows(order, value):
    """Highest first, NaN (None) after, "(other)" last; ties keep order."""
    return sorted(order, key=lambda n: (n == "(other)", value(n) is None,
                                        -(value(n) or 0), order.index(n)))


def report(page, j):
    ch = page.charts
    funnel = list(j["reached"][-1]["stages"]) if j["reached"] else []
    allr = next(r for r in j["reached"] if r["group"] == "(all)")
    if len(funnel) > 1:
        f = ch["funnel"]
        check(f["stages"] == funnel, "funnel: the policy's funnel stages")
        check(f["reached"] == [allr["stages"][s] for s in funnel],
              "funnel: contacts that reached each stage = reached (all)")
        side = [sum(m["contacts"] for m in j["moves"] if m["from"] == s and
                    m["to"] not in funnel) for s in funnel]
        check(f["to_side_stages"] == side, "funnel: moves to side stages")
    tis = [t for t in j["time_in_stage"] if t["group"] == "(all)" and t["stays"]]
    t = ch["time"]
    check(t["stages"] == [x["stage"] for x in tis], "time: stages with stays")
    for k in ("stays", "q1_seconds", "median_seconds", "q3_seconds"):
        check(near(t[k], [x[k] for x in tis]), f"time: {k}")
    hand = [h for h in j["handoffs"] if h["group"] == "(all)"]
    hand.sort(key=lambda h: -h["handoffs"])       # stable: by owner within
    o = ch["owners"]
    want = {}
    for i, h in enumerate(hand):
        name = h["owner"] if i < TOP or len(hand) == TOP + 1 else "(other)"
        w = want.setdefault(name, [0, 0, 0])
        w[0] += h["handoffs"]; w[1] += h["with_sla"]; w[2] += h["breached"]
    check(o["owners"] == list(want), "owners: the ten with most handoffs")
    check([o["handoffs"], o["with_sla"], o["breached"]] ==
          [[w[i] for w in want.values()] for i in range(3)],
          "owners: handoffs, with SLA, breached")
    tr = ch["trend"]
    check(tr["bucket"] == j["trend"]["bucket"], "trend: bucket")
    check(tr["starts"] == [r["start"] for r in j["trend"]["rows"]], "trend: buckets")
    check(tr["contacts"] == [r["contacts"] for r in j["trend"]["rows"]],
          "trend: new contacts")
    for s in tr["reached"]:
        check(tr["reached"][s] == [r["reached"][s] for r in j["trend"]["rows"]],
              f"trend: reached {s}")
    ht = ch["handoffs"]
    rows = j["handoff_trend"]["rows"]
    check(ht["starts"] == [r["start"] for r in rows] and
          ht["handoffs"] == [r["handoffs"] for r in rows] and
          ht["breached"] == [r["breached"] for r in rows],
          "handoffs over time = handoff_trend")
    if j["by"]:
        by_group(ch, j, funnel)


def by_group(ch, j, funnel):
    groups = j["groups"]
    reach = {r["group"]: r for r in j["reached"]}
    series = funnel[1:5]
    if len(funnel) > 1:
        order, rows = fold(reach, lambda r: [r["contacts"]] +
                           [r["stages"][s] for s in series], groups)
        last = lambda n: ratio(rows[n][len(series)], rows[n][0])
        order = sort_rows(order, last)
        c = ch["conversion"]
        check(c["groups"] == order, f"conversion: groups, top {TOP} + (other), "
              "sorted by the last rate")
        check(c["series"] == series, "conversion: series")
        check(c["contacts"] == [rows[n][0] for n in order], "conversion: contacts")
        check(near(c["rates"], [[ratio(rows[n][k + 1], rows[n][0])
                                 for k in range(len(series))] for n in order]),
              "conversion: rates = reached / contacts")
        a = reach["(all)"]
        check(near(c["overall"], [ratio(a["stages"][s], a["contacts"])
                                  for s in series]), "conversion: overall")
    out = {r["group"]: r for r in j["outcomes"]}
    order, rows = fold(out, lambda r: [r["won"], r["lost"], r["won_amount"],
                                       r["sales"]], groups)
    c = ch["close"]
    cr = lambda n: ratio(rows[n][0], rows[n][0] + rows[n][1]) if rows[n] else None
    o = sort_rows(order, cr)
    check(c["groups"] == o, "close: groups sorted by close ratio")
    check(c["won"] == [rows[n][0] if rows[n] else 0 for n in o] and
          c["lost"] == [rows[n][1] if rows[n] else 0 for n in o],
          "close: won and lost")
    check(near(c["close_ratio"], [cr(n) for n in o]), "close: close ratio")
    s = ch["sale"]
    avg = lambda n: ratio(rows[n][2], rows[n][3]) if rows[n] else None
    o = sort_rows(order, avg)
    check(s["groups"] == o, "sale: groups sorted by average sale")
    check(s["sales"] == [rows[n][3] if rows[n] else 0 for n in o], "sale: sales")
    check(near(s["average_sale"], [avg(n) for n in o]), "sale: average sale")


def backtest(page, j):
    ch = page.charts
    for name in ("roc", "pr"):
        c = ch[name]
        check(c["contacts"] == j["contacts"] and c["positives"] == j["positives"],
              f"{name}: contacts and positives")
        bf = j["best_f1"]
        check(c["best_f1"] == (bf and {"threshold": bf["threshold"],
                                       "selected": bf["selected"]}),
              f"{name}: best-F1 mark")
        cap = j["capacity"]
        check(c["capacity"] == (cap and {"calls": cap["calls"],
                                         "threshold": cap["threshold"],
                                         "selected": cap["selected"]}),
              f"{name}: capacity mark")
    check(near(ch["roc"]["auc"], j["auc"]), "roc: AUC")
    check(near(ch["pr"]["base_rate"], j["base_rate"]), "pr: base rate")
    check(near(ch["lift"]["lift"], [d["lift"] for d in j["deciles"]]),
          "lift: by decile")
    want = ([j["warning"]] if j["warning"] else []) + j["warnings"]
    check([i.rstrip(".") for i in page.items] == want,
          "the page's warnings = --json's")


def main():
    kind, path, same = sys.argv[1:4]
    page = parse(path)
    if len(sys.argv) > 4:
        check(len(page.order) == int(sys.argv[4]),
              f"{sys.argv[4]} charts ({len(page.order)}: {' '.join(page.order)})")
    j = json.load(open(same))
    (report if kind == "report" else backtest)(page, j)
    sys.exit(1 if FAILED else 0)


main()
