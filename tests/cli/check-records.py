#!/usr/bin/env python3
"""Validates nmexpert JSON Lines output against docs/schema/nmexpert-record-2.json
with a real JSON Schema validator, then checks what a schema cannot say: one
run id, records in order, every session started and ended once, each record's
capture the one run_start lists, one capture_end per capture after the last
session_end (complete unless the run was interrupted), column values of their
declared types.

usage: check-records.py SCHEMA FILE.jsonl [--expect-outcome OUTCOME] [--sessions N]
Prints what is wrong and exits 1, or prints a summary and exits 0."""
import json
import sys

import jsonschema

INTS = {"uint8": (0, 255), "int8": (-128, 127), "uint16": (0, 65535), "int16": (-32768, 32767),
        "uint32": (0, 4294967295), "int32": (-2147483648, 2147483647), "frame": (0, 4294967295)}


def fail(msg):
    print("check-records: " + msg)
    sys.exit(1)


def value_fits(t, v):
    if t in INTS:
        lo, hi = INTS[t]
        return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi
    if t == "float64":
        return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))
    if t in ("yesno", "onoff", "truefalse"):
        return isinstance(v, bool)
    if t in ("macaddr", "ipxaddr", "ipaddr", "string"):
        return isinstance(v, str)
    if t == "vartime":
        return v is None or isinstance(v, str)
    return v is None


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        fail(__doc__)
    schema = json.load(open(args[0], encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    want_outcome = args[args.index("--expect-outcome") + 1] if "--expect-outcome" in args else None
    want_sessions = int(args[args.index("--sessions") + 1]) if "--sessions" in args else None

    raw = open(args[1], "rb").read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        fail("not UTF-8: %s" % e)
    lines = text.split("\n")
    if lines[-1] != "":
        fail("the last line does not end in a newline")
    recs = []
    for n, line in enumerate(lines[:-1], 1):
        try:
            r = json.loads(line)
        except ValueError as e:
            fail("line %d: not JSON: %s" % (n, e))
        errors = sorted(validator.iter_errors(r), key=lambda e: e.path)
        if errors:
            best = jsonschema.exceptions.best_match(errors)
            fail("line %d: %s at %s" % (n, best.message, list(best.absolute_path)))
        recs.append(r)
    if not recs:
        fail("no records")
    if recs[0]["record"] != "run_start" or recs[-1]["record"] != "run_end":
        fail("the file must start with run_start and end with run_end")
    run = recs[0]["run"]
    if run is None or any(r["run"] != run for r in recs):
        fail("records name different runs")
    caps = {c["index"]: c for c in recs[0]["captures"]}
    started, ended, events, cap_ends = {}, {}, {}, {}
    for n, r in enumerate(recs, 1):
        kind = r["record"]
        if kind in ("run_start", "run_end") and n not in (1, len(recs)):
            fail("line %d: %s in the middle" % (n, kind))
        if kind == "capture_end":
            c = caps.get(r["capture_index"])
            if c is None or c["path"] != r["capture"] or c["id"] != r["capture_id"]:
                fail("line %d: capture %r is not the one run_start lists" % (n, r["capture"]))
            if r["capture_index"] in cap_ends:
                fail("line %d: capture %d ended twice" % (n, r["capture_index"]))
            if set(started) != set(ended):
                fail("line %d: capture_end before every session ended" % n)
            if r["first_time"] != c["first_time"]:
                fail("line %d: first_time differs from run_start's" % n)
            if (r["frames"] == 0) != (r["last_time"] is None):
                fail("line %d: last_time must be null exactly when there are no frames" % n)
            if not r["complete"] and r["warnings"]:
                fail("line %d: an incomplete capture lists warnings" % n)
            cap_ends[r["capture_index"]] = r
        if kind in ("session_start", "event", "session_end"):
            if cap_ends:
                fail("line %d: %s after a capture_end" % (n, kind))
            c = caps.get(r["capture_index"])
            if c is None or c["path"] != r["capture"] or c["id"] != r["capture_id"]:
                fail("line %d: capture %r is not the one run_start lists" % (n, r["capture"]))
            s = r["session"]
            if kind == "session_start":
                if s in started:
                    fail("line %d: session %d started twice" % (n, s))
                started[s] = r
            elif s not in started or s in ended:
                fail("line %d: %s of session %s outside its start and end" % (n, kind, s))
            elif kind == "session_end":
                ended[s] = r
            else:
                events[s] = events.get(s, 0) + 1
                if set(r["columns"]) != set(r["column_types"]):
                    fail("line %d: columns and column_types differ" % n)
                for k, v in r["columns"].items():
                    if not value_fits(r["column_types"][k], v):
                        fail("line %d: column %r: %r is not a %s" % (n, k, v, r["column_types"][k]))
            for f in ("expert", "expert_file", "label"):
                if r[f] != started[s][f]:
                    fail("line %d: %s differs from the session's start" % (n, f))
    if set(started) != set(ended):
        fail("sessions started but not ended: %s" % sorted(set(started) - set(ended)))
    # an interrupted run ends the sessions it started; the others never start
    interrupted = recs[-1]["status"] == "interrupted"
    if set(cap_ends) != set(caps):
        fail("captures without a capture_end: %s" % sorted(set(caps) - set(cap_ends)))
    for i, e in cap_ends.items():
        if not e["complete"] and not interrupted:
            fail("capture %d: not read to its end, and the run was not interrupted" % i)
        for s, se in ended.items():
            if started[s]["capture_index"] == i and e["complete"] and \
                    se["frames_read"] > e["frames"]:
                fail("session %d read %d frames of a capture of %d"
                     % (s, se["frames_read"], e["frames"]))
    if len(started) > recs[0]["sessions"] or \
            (len(started) != recs[0]["sessions"] and not interrupted):
        fail("run_start plans %d sessions, %d ran" % (recs[0]["sessions"], len(started)))
    if interrupted and recs[-1]["exit_status"] not in (129, 130, 143):
        fail("an interrupted run exits %d, not 128 + SIGHUP, SIGINT or SIGTERM"
             % recs[-1]["exit_status"])
    if want_sessions is not None and len(started) != want_sessions:
        fail("%d sessions, expected %d" % (len(started), want_sessions))
    for s, e in ended.items():
        if e["events"] != events.get(s, 0):
            fail("session %d: session_end counts %d events, the file holds %d"
                 % (s, e["events"], events.get(s, 0)))
        if want_outcome is not None and e["outcome"] != want_outcome:
            fail("session %d: outcome %r, expected %r" % (s, e["outcome"], want_outcome))
    print("%d records, %d sessions, %d events: valid" % (len(recs), len(started), sum(events.values())))


main()
