#!/usr/bin/env python3
"""Validate Refold results files (refold.results/v1 and v2) against docs/results.schema.json.

Usage: scripts/report-validate-results.py [--schema SCHEMA] FILE...

Each FILE is a results.json; a directory stands for every results.json below it.
Prints one line per invalid file and error (file, JSON path, message) and exits
0 when every file is valid, 1 when one is not, 2 on bad usage or when the
`jsonschema` package is missing.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMA = os.path.join(HERE, "..", "docs", "results.schema.json")


def main(argv):
    schema_path = DEFAULT_SCHEMA
    files = []
    arguments = iter(argv)
    for argument in arguments:
        if argument == "--schema":
            schema_path = next(arguments, None)
            if schema_path is None:
                print("error: --schema needs a path", file=sys.stderr)
                return 2
        elif argument in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            files.append(argument)
    if not files:
        print("usage: report-validate-results.py [--schema SCHEMA] FILE...", file=sys.stderr)
        return 2
    try:
        import jsonschema
    except ImportError:
        print("error: the Python package `jsonschema` is not installed "
              "(apt-get install python3-jsonschema, or pip install jsonschema)", file=sys.stderr)
        return 2

    with open(schema_path, encoding="utf-8") as handle:
        schema = json.load(handle)
    validator_class = jsonschema.Draft202012Validator
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    paths = []
    for name in files:
        if os.path.isdir(name):
            for root, _, names in os.walk(name):
                paths.extend(os.path.join(root, n) for n in sorted(names) if n == "results.json")
        else:
            paths.append(name)
    if not paths:
        print("error: no results.json found in " + ", ".join(files), file=sys.stderr)
        return 2

    invalid = 0
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
        except (OSError, ValueError) as error:
            print(f"{path}: not readable JSON: {error}")
            invalid += 1
            continue
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        if errors:
            invalid += 1
            for error in errors[:20]:
                location = "/".join(str(p) for p in error.absolute_path) or "(root)"
                print(f"{path}: {location}: {error.message}")
            if len(errors) > 20:
                print(f"{path}: … and {len(errors) - 20} more errors")
    print(f"validated {len(paths)} file(s), {invalid} invalid", file=sys.stderr)
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
