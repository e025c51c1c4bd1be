#!/usr/bin/env python3
"""Checks the user documentation against the code, both ways (docs-reference test).

The code's sets come from the code itself: `docs-reference-dump` (configuration keys from the
TOML loader, control verbs, worker option keys, element properties) and each program's `--help`
(flags). The documented sets come from docs/ by these conventions:

- docs/configuration.md: a table row whose first cell is one backticked name, `| `camera.fps` |`,
  documents a configuration key; under a heading "### `KIND` options" it documents an option of
  that worker kind instead.
- docs/cli.md: under a heading "## `PROGRAM`", every `--flag` in the first cell of a table row is
  documented for that program; under "## `zeroteectl`", a row starting with a backticked word
  (not a flag) documents a command.
- docs/api.md: a table row whose first cell starts with `{"cmd":"VERB"` documents a verb.
- docs/custom-worker.md: under "### `ELEMENT` properties", `| `name` |` rows document properties.

Exit 0 when everything matches, 1 with one line per mismatch otherwise.
"""
import argparse
import os
import re
import subprocess
import sys

PROGRAMS = ["zerotee", "zeroteectl", "zerotee-recorder", "zerotee-rtsp", "zerotee-ai",
            "zerotee-monitor", "zerotee-encoder"]
ROW = re.compile(r"^\|\s*`([^`]+)`")
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def headings_and_rows(path):
    """Yields (h2, h3, first cell text, line number) for every table row of a markdown file."""
    h2 = h3 = ""
    in_code = False
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.startswith("```"):
                in_code = not in_code
                continue
            if in_code:
                continue
            if line.startswith("## "):
                h2, h3 = line[3:].strip(), ""
            elif line.startswith("### "):
                h3 = line[4:].strip()
            elif line.startswith("|"):
                cells = line.split("|")
                first = cells[1].strip() if len(cells) > 2 else ""
                yield h2, h3, first, number


def code_sets(dump):
    result = subprocess.run([dump], capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        sys.exit(f"{dump} failed ({result.returncode}): {result.stderr.strip()}")
    sets = {"config": set(), "verb": set(), "option": {}, "property": {}}
    for line in result.stdout.splitlines():
        kind, _, rest = line.partition(" ")
        if kind in ("config", "verb"):
            sets[kind].add(rest)
        elif kind in ("option", "property"):
            owner, _, name = rest.partition(" ")
            sets[kind].setdefault(owner, set()).add(name)
    for kind in ("config", "verb"):
        if not sets[kind]:
            sys.exit(f"{dump} printed no {kind} names")
    return sets


def help_flags(program):
    if not os.access(program, os.X_OK):
        sys.exit(f"{program} is not built (build all targets before this test)")
    result = subprocess.run([program, "--help"], capture_output=True, text=True, timeout=15)
    if result.returncode != 0:
        sys.exit(f"{program} --help exited with {result.returncode}: {result.stderr.strip()}")
    text = result.stdout + result.stderr
    flags = set(FLAG.findall(text))
    if not flags:
        sys.exit(f"{program} --help printed no flags:\n{text}")
    # It just answered --help with exit 0, whether or not its usage text lists it.
    return flags | {"--help"}, text


def help_commands(text):
    """zeroteectl's commands, from the 'Commands:' block of its help."""
    commands = set()
    block = text.split("Commands:", 1)[1].split("\n\n", 1)[0] if "Commands:" in text else ""
    for line in block.splitlines():
        m = re.match(r"^  ([a-z][a-z|]*)\b", line)
        if m:
            commands.update(m.group(1).split("|"))
    return commands


def compare(errors, what, in_code, documented, where):
    for name in sorted(in_code - documented):
        errors.append(f"{what} '{name}' is not documented in {where}")
    for name in sorted(documented - in_code):
        errors.append(f"{what} '{name}' is documented in {where} but the code does not know it")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", required=True, help="the docs/ directory")
    parser.add_argument("--bin", required=True, help="directory of the built programs")
    parser.add_argument("--dump", required=True, help="the docs-reference-dump program")
    args = parser.parse_args()
    sets = code_sets(args.dump)
    errors = []

    # Configuration keys and worker options.
    config_md = os.path.join(args.docs, "configuration.md")
    keys, options = set(), {}
    for _, h3, first, _ in headings_and_rows(config_md):
        m = ROW.match("| " + first) if first.startswith("`") else None
        if not m or " " in m.group(1):
            continue
        kind = re.match(r"^`(\w+)` options", h3)
        if kind:
            options.setdefault(kind.group(1), set()).add(m.group(1))
        else:
            keys.add(m.group(1))
    compare(errors, "configuration key", sets["config"], keys, "docs/configuration.md")
    for kind in sorted(set(sets["option"]) | set(options)):
        compare(errors, f"{kind} worker option", sets["option"].get(kind, set()),
                options.get(kind, set()), f"docs/configuration.md (### `{kind}` options)")

    # Flags of every program, and zeroteectl's commands.
    cli_md = os.path.join(args.docs, "cli.md")
    flags, commands = {}, set()
    for h2, _, first, _ in headings_and_rows(cli_md):
        m = re.match(r"^`(zerotee[\w-]*)`$", h2)
        if not m or not first.startswith("`"):
            continue
        program = m.group(1)
        found = set(FLAG.findall(first))
        if found:
            flags.setdefault(program, set()).update(found)
        elif program == "zeroteectl":
            commands.add(re.match(r"`([a-z]+)", first).group(1))
    for program in PROGRAMS:
        in_code, text = help_flags(os.path.join(args.bin, program))
        compare(errors, f"{program} flag", in_code, flags.get(program, set()),
                f"docs/cli.md (## `{program}`)")
        if program == "zeroteectl":
            compare(errors, "zeroteectl command", help_commands(text), commands,
                    "docs/cli.md (## `zeroteectl`)")
    for program in sorted(set(flags) - set(PROGRAMS)):
        errors.append(f"docs/cli.md documents a program '{program}' that is not checked")

    # Control verbs in the API reference.
    documented_verbs = set()
    for _, _, first, _ in headings_and_rows(os.path.join(args.docs, "api.md")):
        m = re.match(r'^`\{"cmd"\s*:\s*"([a-z]+)"', first)
        if m:
            documented_verbs.add(m.group(1))
    compare(errors, "control verb", sets["verb"], documented_verbs, "docs/api.md")

    # Element properties.
    worker_md = os.path.join(args.docs, "custom-worker.md")
    properties = {}
    for _, h3, first, _ in headings_and_rows(worker_md):
        m = re.match(r"^`(zeroteesrc|zeroteesink)` properties", h3)
        if m and first.startswith("`"):
            properties.setdefault(m.group(1), set()).add(first.strip("`").split()[0])
    for element in sorted(set(sets["property"]) | set(properties)):
        compare(errors, f"{element} property", sets["property"].get(element, set()),
                properties.get(element, set()),
                f"docs/custom-worker.md (### `{element}` properties)")

    # Relative links between the pages must lead somewhere.
    for page in sorted(os.listdir(args.docs)):
        if not page.endswith(".md"):
            continue
        with open(os.path.join(args.docs, page), encoding="utf-8") as f:
            text = f.read()
        for target in sorted(set(re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text))):
            if "://" in target:
                continue
            if not os.path.exists(os.path.normpath(os.path.join(args.docs, target))):
                errors.append(f"docs/{page} links to {target}, which does not exist")

    counted = (len(sets["config"]) + sum(map(len, sets["option"].values())) +
               sum(map(len, sets["property"].values())) + len(sets["verb"]))
    if errors:
        print("\n".join(errors))
        print(f"docs-reference: {len(errors)} mismatch(es)")
        return 1
    print(f"docs-reference: all {counted} keys, options, verbs and properties and the flags of "
          f"{len(PROGRAMS)} programs are documented, nothing extra")
    return 0


if __name__ == "__main__":
    sys.exit(main())
