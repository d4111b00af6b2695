#!/usr/bin/env python3
"""The JSON serialisation check: every dump() in emulator/ replaces bytes that are not UTF-8.

nlohmann's dump() throws type_error.316 by default on such bytes, and client bytes reach many
documents the daemon writes (names, tags, endpoints, headers, a function's output); a throw on
a background thread ends the daemon. emulator/common/json.h defines kReplaceInvalidUtf8; this
fails (exit 1, one line per offence) on any `.dump(` or `->dump(` call in emulator/ (unit tests excepted)
that does not pass it.

    scripts/check-json-dump.py [REPO_ROOT]

ctest runs it as lint/json-dump.
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
problems = []
for path in sorted((root / "emulator").rglob("*")):
    if path.suffix not in (".cc", ".h") or path.name.endswith("_test.cc"):
        continue
    if path.name.endswith("_cases.h"):  # test tables
        continue
    text = path.read_text()
    for match in re.finditer(r"(?:\.|->)dump\(", text):
        # The arguments: up to the parenthesis that closes this call.
        depth, end = 1, match.end()
        while end < len(text) and depth > 0:
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            end += 1
        args = text[match.end():end - 1]
        if "kReplaceInvalidUtf8" not in args:
            line = text.count("\n", 0, match.start()) + 1
            problems.append(f"{path.relative_to(root)}:{line}: dump({args}) without "
                            "common::kReplaceInvalidUtf8 (throws on bytes that are not UTF-8)")
for problem in problems:
    print(problem)
if problems:
    sys.exit(1)
print("json-dump ok: every dump() in emulator/ replaces bytes that are not UTF-8")
