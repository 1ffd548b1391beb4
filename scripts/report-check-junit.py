#!/usr/bin/env python3
"""Check a junit.xml written by Refold against the common JUnit shape (Jenkins/Surefire junit-10.xsd).

Usage: scripts/report-check-junit.py FILE [--expect tests=N,failures=N,errors=N,suites=N]

Parses FILE with xml.etree.ElementTree (independently of the writer) and checks:
testsuites > testsuite(name, tests, failures, errors, skipped, time, timestamp) >
testcase(name, classname, time) > failure|error(message, type); counts on every suite
match its test cases; times are non-negative decimals; timestamps are xs:dateTime without
a zone. Prints the totals as JSON; exits 0 when valid (and as expected), 1 otherwise.
"""
import json
import re
import sys
import xml.etree.ElementTree as ElementTree

DECIMAL = re.compile(r"^[0-9]+(\.[0-9]+)?$")
TIMESTAMP = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$")


def check(path):
    problems = []
    root = ElementTree.parse(path).getroot()
    if root.tag != "testsuites":
        return {}, [f"root element is <{root.tag}>, not <testsuites>"]
    totals = {"suites": 0, "tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in root:
        if suite.tag != "testsuite":
            problems.append(f"<testsuites> contains <{suite.tag}>")
            continue
        totals["suites"] += 1
        name = suite.get("name")
        for attribute in ("name", "tests", "failures", "errors", "skipped", "time", "timestamp"):
            if suite.get(attribute) is None:
                problems.append(f"testsuite {name!r} has no {attribute}")
        if suite.get("time") and not DECIMAL.match(suite.get("time")):
            problems.append(f"testsuite {name!r} time {suite.get('time')!r} is not a decimal")
        if suite.get("timestamp") and not TIMESTAMP.match(suite.get("timestamp")):
            problems.append(f"testsuite {name!r} timestamp {suite.get('timestamp')!r} is not xs:dateTime")
        cases = [child for child in suite if child.tag == "testcase"]
        others = [child.tag for child in suite if child.tag not in ("testcase", "properties", "system-out", "system-err")]
        if others:
            problems.append(f"testsuite {name!r} contains {others}")
        failures = errors = skipped = 0
        for case in cases:
            for attribute in ("name", "classname", "time"):
                if case.get(attribute) is None:
                    problems.append(f"testcase in {name!r} has no {attribute}")
            if case.get("time") and not DECIMAL.match(case.get("time")):
                problems.append(f"testcase {case.get('name')!r} time is not a decimal")
            outcomes = [child for child in case if child.tag in ("failure", "error", "skipped")]
            if len(outcomes) > 1:
                problems.append(f"testcase {case.get('name')!r} has {len(outcomes)} outcomes")
            for outcome in outcomes:
                if outcome.tag in ("failure", "error"):
                    for attribute in ("message", "type"):
                        if outcome.get(attribute) is None:
                            problems.append(f"<{outcome.tag}> of {case.get('name')!r} has no {attribute}")
                failures += outcome.tag == "failure"
                errors += outcome.tag == "error"
                skipped += outcome.tag == "skipped"
        declared = {k: int(suite.get(k, "-1")) for k in ("tests", "failures", "errors", "skipped")}
        counted = {"tests": len(cases), "failures": failures, "errors": errors, "skipped": skipped}
        if declared != counted:
            problems.append(f"testsuite {name!r} declares {declared} but holds {counted}")
        for key, value in counted.items():
            totals[key] += value
    for key in ("tests", "failures", "errors"):
        if root.get(key) is not None and int(root.get(key)) != totals[key]:
            problems.append(f"<testsuites> declares {key}={root.get(key)} but holds {totals[key]}")
    return totals, problems


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 2
    path = argv[0]
    expected = {}
    if len(argv) >= 3 and argv[1] == "--expect":
        for pair in argv[2].split(","):
            key, _, value = pair.partition("=")
            expected[key] = int(value)
    try:
        totals, problems = check(path)
    except ElementTree.ParseError as error:
        print(f"{path}: not well-formed XML: {error}")
        return 1
    for key, value in expected.items():
        if totals.get(key) != value:
            problems.append(f"expected {key}={value}, found {totals.get(key)}")
    print(json.dumps(totals, sort_keys=True))
    for problem in problems:
        print(f"{path}: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
