#!/usr/bin/env python3
"""The floor `refold-bench eval` measures `refold eval` against.

The least a replay from recorded answers can do: read each case's expected and recorded
decision from SQLite rows, compare them, and write a per-case JSON report. No rendering,
no hashing, no cassette lookup, no other report.

    python3 scripts/eval-floor.py prepare SUITE_DIR ROWS.sqlite   # untimed: rows from the suite
    python3 scripts/eval-floor.py run ROWS.sqlite REPORT.json     # timed: compare and report

`prepare` pairs every decision of the suite's golden threads (events whose type is one of
the agent's intents, in thread order) with its cassette line (in file order) and stores
the expected intent and the recorded answer as JSON text, one row per case.
"""
import glob
import gzip
import json
import os
import re
import sqlite3
import sys
import time


def intents(agent_path):
    names, inside = set(), False
    with open(agent_path, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("intents:"):
                inside = True
                continue
            if inside:
                if line and not line[0].isspace() and line.strip():
                    break
                match = re.match(r"^  ([A-Za-z_][A-Za-z0-9_]*):\s*$", line)
                if match:
                    names.add(match.group(1))
    return names


def prepare(suite, rows_path):
    names = intents(os.path.join(suite, "agent.yaml"))
    expected = []
    for path in sorted(glob.glob(os.path.join(suite, "threads", "*.jsonl"))):
        steps = {}
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                event = json.loads(line)
                if event["type"] in names:
                    step = steps.get(event["thread"], 0)
                    steps[event["thread"]] = step + 1
                    expected.append(
                        (f'{event["thread"]}#{step}', event["type"], event.get("data", {})))
    answers = []
    for path in sorted(glob.glob(os.path.join(suite, "cassettes", "*"))):
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    exchange = json.loads(line)
                    call = exchange["response"]["choices"][0]["message"]["tool_calls"][0]
                    answers.append(call["function"]["arguments"])
    if len(answers) != len(expected):
        sys.exit(f"eval-floor: {len(expected)} decisions but {len(answers)} cassette lines")
    if os.path.exists(rows_path):
        os.remove(rows_path)
    database = sqlite3.connect(rows_path)
    database.execute("CREATE TABLE cases (id TEXT PRIMARY KEY, expected TEXT, actual TEXT)")
    database.executemany(
        "INSERT INTO cases VALUES (?, ?, ?)",
        (
            (case, json.dumps({"intent": intent, "params": params}, sort_keys=True), answer)
            for (case, intent, params), answer in zip(expected, answers)
        ),
    )
    database.commit()
    database.close()


def run(rows_path, report_path):
    start = time.perf_counter()
    database = sqlite3.connect(rows_path)
    cases, passed = [], 0
    for case, expected_text, actual_text in database.execute(
        "SELECT id, expected, actual FROM cases ORDER BY rowid"
    ):
        expected = json.loads(expected_text)
        actual = json.loads(actual_text)
        intent = actual.pop("intent", None)
        differences = {}
        if intent == expected["intent"]:
            for key in set(expected["params"]) | set(actual):
                if expected["intent"] == "done_for_now" and key == "message":
                    continue
                if expected["params"].get(key) != actual.get(key):
                    differences[key] = {
                        "expected": expected["params"].get(key), "actual": actual.get(key)}
        verdict = "pass" if intent == expected["intent"] and not differences else "fail"
        passed += verdict == "pass"
        cases.append({
            "id": case, "verdict": verdict,
            "expected": expected, "actual": {"intent": intent, "params": actual},
            "parameter_diff": differences,
        })
    database.close()
    with open(report_path, "w", encoding="utf-8") as handle:
        json.dump({"cases": cases, "passed": passed, "total": len(cases)}, handle, indent=2)
    elapsed = time.perf_counter() - start
    print(f"floor: {len(cases)} cases, {passed} passed, in {elapsed:.3f} s (in the script)")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
