#!/usr/bin/env python3
"""Runs every code block of README.md and docs/ that claims to run, and checks what it prints.

    /usr/bin/python3 scripts/check_docs.py [--build DIR] [--cxx CXX] [FILE.md ...]

Fenced blocks by their info string:
  cpp      compiled (C++20, warnings are errors, the project's include/) and run; exit 0 expected
  python   run with the build's Python package on PYTHONPATH; exit 0 expected
  console  lines "$ command" are run with bash in the repository root (the build's tools/ on
           PATH); the lines after each command, up to the next "$ ", are its expected output:
           each must match a line of the actual output (stdout and stderr), in order, after
           white space is collapsed; "..." inside a line matches anything, a line "..." skips.
Other blocks (sh, json, text, none) are not run. A block right after a line
"<!-- not run: REASON -->" is skipped, and the reason printed.
Exit status: 0 when every block passed, 1 otherwise (each failure named by file:line).
"""
import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def blocks(path):
    """(line, info, text, skip_reason) of every fenced block of a Markdown file."""
    lines = path.read_text().split("\n")
    out, k = [], 0
    while k < len(lines):
        m = re.match(r"^```(\w*)\s*$", lines[k])
        if not m:
            k += 1
            continue
        info, start = m.group(1), k + 1
        prev = lines[k - 1].strip() if k > 0 else ""
        skip = re.match(r"<!-- not run: (.*) -->", prev)
        end = start
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        out.append((start, info, "\n".join(lines[start:end]), skip.group(1) if skip else None))
        k = end + 1
    return out


def squash(s):
    return " ".join(s.split())


def matches(expected, actual):
    pattern = ".*".join(re.escape(part) for part in squash(expected).split("..."))
    return re.fullmatch(pattern, squash(actual)) is not None


def check_console(text, env):
    """Runs each "$ command" and matches its expected lines; returns a list of failures."""
    failures, command, expected = [], None, []
    entries = []
    for line in text.split("\n") + ["$ "]:
        if line.startswith("$ "):
            if command:
                entries.append((command, expected))
            command, expected = line[2:].strip(), []
        elif command is not None:
            expected.append(line)
    for command, expect in entries:
        r = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        actual = (r.stdout + r.stderr).split("\n")
        at = 0
        for e in (x for x in expect if x.strip() and x.strip() != "..."):
            while at < len(actual) and not matches(e, actual[at]):
                at += 1
            if at == len(actual):
                failures.append(f"'{command}': expected a line matching '{e.strip()}'; it printed:\n" + r.stdout[-2000:] + r.stderr[-1000:])
                break
            at += 1
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--cxx", default=os.environ.get("CXX", "c++"))
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    files = [pathlib.Path(f) for f in a.files] or [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    build = pathlib.Path(a.build).resolve()
    env = dict(os.environ)
    env["PATH"] = f"{build / 'tools'}:{env.get('PATH', '')}"
    env["PYTHONPATH"] = f"{build / 'python'}:{env.get('PYTHONPATH', '')}"
    eigen = subprocess.run(["pkg-config", "--cflags", "eigen3"], capture_output=True, text=True).stdout.split() or ["-isystem", "/usr/include/eigen3"]
    failed = ran = 0
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:
            for line, info, text, skip in blocks(f):
                where = f"{os.path.relpath(f, ROOT)}:{line}"
                if info not in ("cpp", "python", "console"):
                    continue
                if skip:
                    print(f"skipped {where} ({info}): {skip}")
                    continue
                ran += 1
                problems = []
                if info == "cpp":
                    src, exe = pathlib.Path(tmp) / "block.cpp", pathlib.Path(tmp) / "block"
                    src.write_text(text + "\n")
                    c = subprocess.run([a.cxx, "-std=c++20", "-O1", "-Wall", "-Wextra", "-Wpedantic", "-Werror", f"-I{ROOT / 'include'}",
                                        *eigen, str(src), "-o", str(exe)], capture_output=True, text=True)
                    if c.returncode != 0:
                        problems.append("does not compile:\n" + c.stderr[-3000:])
                    else:
                        r = subprocess.run([str(exe)], cwd=ROOT, capture_output=True, text=True, timeout=600)
                        if r.returncode != 0:
                            problems.append(f"exit {r.returncode}:\n{r.stdout[-1000:]}{r.stderr[-1000:]}")
                elif info == "python":
                    r = subprocess.run(["/usr/bin/python3", "-c", text], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
                    if r.returncode != 0:
                        problems.append(f"exit {r.returncode}:\n{r.stderr[-3000:]}")
                else:
                    problems = check_console(text, env)
                if problems:
                    failed += 1
                    print(f"FAILED {where} ({info}): " + "\n".join(problems))
                else:
                    print(f"ok     {where} ({info})")
    print(f"check_docs: {ran - failed} of {ran} blocks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
