#!/usr/bin/env python3
"""The layer check: every #include in emulator/ must respect the layer order.

The order and each layer's dependencies have one source, emulator/CMakeLists.txt: the
`offstage_layer(NAME DEPS ...)` calls, bottom layer first. This fails (exit 1, one line per
offence) when
  - a layer's DEPS name a layer declared after it (an upward or circular dependency), or
  - a file in emulator/NAME/ includes "emulator/OTHER/..." where OTHER is neither NAME nor one
    of NAME's direct DEPS (so the link line and the includes say the same thing), or
  - a file includes a project header by a path that does not start with "emulator/" (the
    generated "common/version.h" excepted), which would hide which layer it reaches.

    scripts/check-layers.py [REPO_ROOT]

ctest runs it as lint/layers; docs/architecture.md ("Layers") states the rule.
"""
import pathlib
import re
import sys

GENERATED = {"common/version.h"}  # configured into the build tree, owned by common/

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
emulator = root / "emulator"
cmake = (emulator / "CMakeLists.txt").read_text()

layers = []  # bottom first
deps = {}
for match in re.finditer(r"offstage_layer\((\w+)\s+DEPS\s+([^)]*)\)", cmake):
    name, dep_text = match.group(1), match.group(2)
    layers.append(name)
    deps[name] = [d[len("offstage_"):] for d in dep_text.split() if d.startswith("offstage_")]
if not layers:
    sys.exit(f"check-layers: no offstage_layer(...) calls found in {emulator / 'CMakeLists.txt'}")

problems = []
for position, name in enumerate(layers):
    for dep in deps[name]:
        if dep not in layers[:position]:
            problems.append(f"emulator/CMakeLists.txt: layer {name} depends on {dep}, "
                            f"which is not a layer below it ({' < '.join(layers)})")

include = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)
for name in layers:
    allowed = {name, *deps[name]}
    for path in sorted((emulator / name).rglob("*")):
        if path.suffix not in (".h", ".cc"):
            continue
        text = path.read_text(errors="replace")
        for match in include.finditer(text):
            target = match.group(1)
            line = text.count("\n", 0, match.start()) + 1
            where = f"{path.relative_to(root)}:{line}"
            if target in GENERATED:
                continue
            parts = target.split("/")
            if parts[0] != "emulator" or len(parts) < 3:
                problems.append(f'{where}: #include "{target}": project headers are included as '
                                f'"emulator/<layer>/<file>"')
                continue
            if parts[1] not in allowed:
                problems.append(f'{where}: #include "{target}": layer {name} may include only '
                                f'{", ".join(sorted(allowed))} (its DEPS in '
                                f'emulator/CMakeLists.txt; order {" < ".join(layers)})')

for problem in problems:
    print(problem)
if problems:
    sys.exit(1)
print(f"layers ok: {' < '.join(layers)}; every include follows the DEPS of its layer")
