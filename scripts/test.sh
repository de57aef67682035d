#!/usr/bin/env bash
# The README's test command (and what .ci/run calls): install what the tests need, then run them.
# System packages: Debian's chromium, for the HTML report tests in a real browser (Playwright drives
# /usr/bin/chromium and never downloads a browser of its own), and a Japanese font for its screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."
packages="chromium fonts-noto-cjk"
if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
  else
    echo "scripts/test.sh: chromium is not installed and cannot be installed without root;" \
         "the browser tests will be skipped (they fail instead when CI is set)" >&2
  fi
fi
# Bytecode caches on, whatever the environment says: with PYTHONDONTWRITEBYTECODE set, every xdist worker
# and every `conformance` subprocess a test starts compiles the package and pytest rewrites every test
# module anew (measured: collection 10.0 s of CPU per worker without the caches, 4.4 s with them; a CLI
# subprocess 2.6 s against 1.1 s). __pycache__ is ignored by git.
unset PYTHONDONTWRITEBYTECODE
python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'
# One worker more than the cores this process may use: some tests wait rather than compute (Chromium,
# servers on 127.0.0.1, clients timing out, child processes), and the extra worker computes meanwhile
# (measured on 2 idle cores: 2 workers 4 min 7 s of pytest wall, 3 workers 3 min 36 s, the same tests).
workers=$(.venv/bin/python -c 'import os; print(len(os.sched_getaffinity(0)) + 1)')
# loadgroup: the tests of one fixture case run on one worker, which runs the case once (tests/conftest.py).
exec .venv/bin/python -m pytest -q -n "$workers" --dist loadgroup "$@"
