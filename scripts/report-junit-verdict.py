#!/usr/bin/env python3
"""Read a junit.xml written by Refold with junitparser (PyPI), independently of the writer.

Usage: scripts/report-junit-verdict.py FILE

Prints JSON: the totals, the gate suites' verdict properties, and `red` (whether a CI test
tab shows the file as failing: any test case with a failure or an error). Exits 0 after
reading the file, 2 when junitparser is missing or the file cannot be read.
"""
import json
import sys

try:
    from junitparser import Error, Failure, JUnitXml, Skipped
except ImportError:
    print("junitparser is not installed: python3 -m pip install junitparser", file=sys.stderr)
    sys.exit(2)


def main(path):
    xml = JUnitXml.fromfile(path)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    verdicts = []
    failed_checks = []
    for suite in xml:
        for prop in suite.properties():
            if prop.name == "verdict":
                verdicts.append(prop.value)
        for case in suite:
            totals["tests"] += 1
            kinds = [type(result) for result in case.result]
            if Failure in kinds:
                totals["failures"] += 1
            if Error in kinds:
                totals["errors"] += 1
            if Skipped in kinds:
                totals["skipped"] += 1
            if suite.name.endswith(".gate") and (Failure in kinds or Error in kinds):
                failed_checks.append(case.name)
    red = totals["failures"] + totals["errors"] > 0
    print(json.dumps({**totals, "verdicts": verdicts, "failed_checks": failed_checks,
                      "red": red, "time": xml.time}))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        sys.exit(main(sys.argv[1]))
    except Exception as error:  # noqa: BLE001 - any unreadable file is exit 2
        print(f"{sys.argv[1]}: {error}", file=sys.stderr)
        sys.exit(2)
