#!/usr/bin/env python3
"""Checks an nmexpert HTML report (docs/report-html.md).

usage: check-html.py FILE.html [--expect TEXT]... [--chromium SCREENSHOT.png] [--charts]
                     [--chart KIND]...

Static checks: exactly one <style> and one <script>, both with the nonce the
Content-Security-Policy allows, a policy that allows nothing else, no <img>,
<iframe>, <object>, <link> or <base>, no on* attribute, no javascript: URL;
each --expect TEXT appears as text (not markup); every chart is a
<figure class="chart" data-chart=KIND> whose <svg role="img"> has a <title>
and a <desc> that aria-labelledby/aria-describedby name, and a table of its
numbers; each --chart KIND is on the page. With --chromium, headless
Chromium loads the page from disk: the page's script ran (body data-ready),
nothing injected ran (no data-pwned, the title unchanged), the expected
elements are in the DOM, no console message or CSP report, a screenshot."""
import html.parser
import re
import subprocess
import sys


def fail(msg):
    print("check-html: " + msg)
    sys.exit(1)


class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text, self.csp = [], [], None
        self.figures = []  # per chart: kind, ids named by aria-*, ids and tags seen inside
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "meta" and a.get("http-equiv", "").lower() == "content-security-policy":
            self.csp = a.get("content")
        if tag == "figure" and a.get("class") == "chart":
            self.figures.append({"kind": a.get("data-chart"), "want": set(), "ids": set(),
                                 "tags": []})
            self.depth = 1
        elif self.depth:
            if tag == "figure":
                self.depth += 1
            f = self.figures[-1]
            f["tags"].append(tag)
            if tag == "svg":
                f["role"] = a.get("role")
                f["want"] |= {a.get("aria-labelledby"), a.get("aria-describedby")}
            if "id" in a:
                f["ids"].add(a["id"])

    def handle_endtag(self, tag):
        if self.depth and tag == "figure":
            self.depth -= 1

    def handle_data(self, data):
        self.text.append(data)


def main():
    a = sys.argv[1:]
    path = a[0]
    expects = [a[i + 1] for i, x in enumerate(a) if x == "--expect"]
    shot = a[a.index("--chromium") + 1] if "--chromium" in a else None
    raw = open(path, "rb").read()
    try:
        page = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        fail("not UTF-8: %s" % e)
    p = P()
    p.feed(page)
    p.close()
    if not p.csp:
        fail("no Content-Security-Policy")
    m = re.fullmatch(r"default-src 'none'; style-src 'nonce-([0-9a-f]{32})'; "
                     r"script-src 'nonce-\1'; img-src 'none'; base-uri 'none'; "
                     r"form-action 'none'", p.csp)
    if not m:
        fail("unexpected policy: %r" % p.csp)
    nonce = m.group(1)
    scripts = [t for t in p.tags if t[0] == "script"]
    styles = [t for t in p.tags if t[0] == "style"]
    if len(scripts) != 1 or scripts[0][1].get("nonce") != nonce:
        fail("%d <script> elements (one with the nonce expected)" % len(scripts))
    if len(styles) != 1 or styles[0][1].get("nonce") != nonce:
        fail("%d <style> elements (one with the nonce expected)" % len(styles))
    for tag, attrs in p.tags:
        if tag in ("img", "iframe", "object", "embed", "link", "base", "form"):
            fail("a <%s> element" % tag)
        for k, v in attrs.items():
            if k.startswith("on"):
                fail("an event-handler attribute %s on <%s>" % (k, tag))
            if k == "style":
                fail("a style attribute on <%s> (the policy forbids them)" % tag)
            if v and "javascript:" in v.lower():
                fail("a javascript: URL")
    text = "".join(p.text)
    for e in expects:
        if e not in text:
            fail("text %r is not on the page" % e)
    n_tables = sum(1 for t in p.tags if t[0] == "table")
    n_svg = sum(1 for t in p.tags if t[0] == "svg")
    if "--charts" in a and not n_svg:
        fail("no chart")
    for i, f in enumerate(p.figures):
        t = f["tags"]
        if f.get("role") != "img" or "title" not in t or "desc" not in t:
            fail("chart %d (%s): no <svg role=img> with <title> and <desc>" % (i, f["kind"]))
        if None in f["want"] or not f["want"] <= f["ids"]:
            fail("chart %d (%s): aria-labelledby/-describedby name no element" % (i, f["kind"]))
        if "table" not in t or "details" not in t:
            fail("chart %d (%s): no table of its numbers" % (i, f["kind"]))
    kinds = [f["kind"] for f in p.figures]
    for k in [a[i + 1] for i, x in enumerate(a) if x == "--chart"]:
        if k not in kinds:
            fail("no %s chart (charts: %s)" % (k, ", ".join(kinds) or "none"))
    summary = "%d tables, %d charts (%s), CSP with nonce, %d strings escaped" % (n_tables, n_svg, " ".join(sorted(set(kinds))), len(expects))
    if shot:
        cmd = ["chromium", "--headless", "--disable-gpu", "--no-sandbox", "--enable-logging=stderr",
               "--v=0", "--no-first-run", "--dump-dom", "file://" + path]
        r = subprocess.run(cmd, capture_output=True, timeout=120)
        dom = r.stdout.decode("utf-8", "replace")
        err = r.stderr.decode("utf-8", "replace")
        bad = [l for l in err.splitlines() if "CONSOLE" in l or "Content Security Policy" in l
               or "Refused to" in l or "Uncaught" in l]
        if bad:
            fail("browser console: " + bad[0])
        if not re.search(r'<body[^>]*data-ready="1"', dom):
            fail("the page's script did not run in Chromium")
        if re.search(r"<[a-z]+\s[^<>]*data-pwned", dom) or re.search(r"<img\b", dom) \
                or "<title>nmexpert report</title>" not in dom:
            fail("injected content ran")
        for needle in ('id="sessions"', 'class="events"', 'class="filter"'):
            if needle not in dom:
                fail("%s is not in the DOM" % needle)
        if "--charts" in a and "<svg" not in dom:
            fail("no chart in the DOM")
        for k in set(kinds):
            if dom.count('data-chart="%s"' % k) != kinds.count(k):
                fail("%d %s charts in the file, %d in the DOM"
                     % (kinds.count(k), k, dom.count('data-chart="%s"' % k)))
        cmd = ["chromium", "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
               "--hide-scrollbars", "--window-size=1100,1400", "--screenshot=" + shot,
               "file://" + path]
        subprocess.run(cmd, capture_output=True, timeout=120)
        png = open(shot, "rb").read(8)
        if png != b"\x89PNG\r\n\x1a\n":
            fail("no screenshot")
        summary += "; Chromium: script ran, nothing injected ran, no console errors, " + shot
    print(summary)


main()
