#!/usr/bin/env bash
# Checks the module graph: every target's declared dependencies are exactly the modules its
# sources import, and the imports keep the rules of docs/architecture.md.
#
#   bash scripts/check-imports.sh
#
# Reads the manifest through `swift package dump-package` (the targets and their
# dependencies as SwiftPM sees them) and every `import` line of every target's sources.
# Exits 1 with one line per problem; prints "imports: ok" otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

manifest="$(mktemp /tmp/refold-manifest.XXXXXX)"
trap 'rm -f "$manifest"' EXIT
swift package dump-package >"$manifest"

python3 - "$manifest" <<'PYTHON'
import json
import os
import re
import sys

# Modules that come with the toolchain or the platform: never declared in Package.swift.
SYSTEM = {
    "Foundation", "FoundationEssentials", "FoundationNetworking", "Synchronization",
    "Dispatch", "Glibc", "Musl", "Darwin", "WinSDK", "ucrt", "os", "Testing", "XCTest",
}

# The layers of docs/architecture.md.
CORE = "RefoldCore"
SHARED = "RefoldShared"
ADAPTERS = {"RefoldStore", "RefoldPostgres", "RefoldModels", "RefoldEval", "RefoldReport", "RefoldServer"}
# Wiring layers: they build concrete pieces and hand them to each other.
WIRING = {"RefoldCLI", "refold", "refold-bench"}
# Shipped test support: may use every adapter, never the commands.
TESTING = {"RefoldTesting"}
# Test-only modules: imported by test targets and nothing else.
TEST_ONLY = {"RefoldTesting", "RefoldTestSupport"}

# The only imports from one adapter into another.
ADAPTER_IMPORTS = {
    # Suites load agent specs and cassettes; the evaluator asks models through ModelSource.
    ("RefoldEval", "RefoldModels"),
    # The recording proxy and the agent service speak the provider wire formats.
    ("RefoldServer", "RefoldModels"),
    # Promotion writes a fixture and an expectations stub into a suite.
    ("RefoldServer", "RefoldEval"),
}

# System modules a layer may import (the core does no I/O beyond Foundation's values).
CORE_SYSTEM = {"Foundation", "FoundationEssentials", "Synchronization"}

IMPORT = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*import\s+(?:(?:struct|class|enum|protocol|func|var|let|"
    r"typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)"
)


def module_name(target):
    return target.replace("-", "_")


def sources_of(target):
    if target.get("path"):
        return target["path"]
    folder = "Tests" if target["type"] == "test" else "Sources"
    return os.path.join(folder, target["name"])


def imports_of(directory):
    found = {}
    for root, _, files in os.walk(directory):
        for name in sorted(files):
            if not name.endswith(".swift"):
                continue
            path = os.path.join(root, name)
            with open(path, encoding="utf-8") as handle:
                # Lines inside a multi-line string literal (a Python script a test runs,
                # say) are text, not imports.
                in_literal = False
                for number, line in enumerate(handle, 1):
                    if not in_literal:
                        match = IMPORT.match(line)
                        if match:
                            found.setdefault(match.group(1), f"{path}:{number}")
                    if line.count('"""') % 2 == 1:
                        in_literal = not in_literal
    return found


def declared_of(target):
    modules = set()
    for dependency in target["dependencies"]:
        for kind in ("byName", "target", "product"):
            if kind in dependency:
                modules.add(module_name(dependency[kind][0]))
    return modules


with open(sys.argv[1], encoding="utf-8") as handle:
    package = json.load(handle)

problems = []
names = {module_name(target["name"]) for target in package["targets"]}
for target in package["targets"]:
    if target["type"] in ("system", "binary", "plugin", "macro"):
        continue
    name = target["name"]
    directory = sources_of(target)
    imports = imports_of(directory)
    declared = declared_of(target)
    is_test = target["type"] == "test" or directory.startswith("Tests")

    # (a) imported but not declared, (b) declared but not imported.
    for module, where in sorted(imports.items()):
        if module in SYSTEM or module == module_name(name):
            continue
        if module not in declared:
            problems.append(
                f"{where}: {name} imports {module}, which Package.swift does not declare "
                f"as a dependency of {name}"
            )
    for module in sorted(declared - set(imports)):
        problems.append(
            f"Package.swift: {name} declares a dependency on {module} but no file in "
            f"{directory} imports it"
        )

    # (c) the layering rules.
    def refuse(module, why):
        problems.append(f"{imports[module]}: {name} must not import {module}: {why}")

    for module in sorted(imports):
        if module == module_name(name):
            continue
        if module in TEST_ONLY and not is_test:
            refuse(module, "test support is imported by test targets only")
        if is_test:
            continue
        if name == CORE:
            if module not in CORE_SYSTEM:
                refuse(module, "RefoldCore imports nothing but Foundation and Synchronization")
        elif name == SHARED:
            if module != CORE and module not in CORE_SYSTEM:
                refuse(module, "RefoldShared imports RefoldCore only")
        elif name in ADAPTERS or name in TESTING:
            if module in WIRING or module == "RefoldCLI":
                refuse(module, "only the wiring layer imports the commands")
            elif (
                name in ADAPTERS
                and module in ADAPTERS
                and (name, module) not in ADAPTER_IMPORTS
            ):
                refuse(
                    module,
                    "adapters do not import each other except as ADAPTER_IMPORTS in "
                    "scripts/check-imports.sh lists",
                )
        elif name in WIRING:
            pass
        else:
            problems.append(
                f"Package.swift: target {name} has no layer in scripts/check-imports.sh; "
                "add it to CORE, SHARED, ADAPTERS, WIRING or TESTING"
            )
            break

if problems:
    for problem in problems:
        print(f"check-imports: {problem}", file=sys.stderr)
    print(f"check-imports: {len(problems)} problem(s)", file=sys.stderr)
    sys.exit(1)
print("imports: ok")
PYTHON
