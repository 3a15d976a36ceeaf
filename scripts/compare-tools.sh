#!/usr/bin/env bash
# Tells which of the tools `anivault-bench compare` (and a by-hand
# hyperfine run) can use are installed, and how to install the missing
# ones. Installs nothing.
#
#   scripts/compare-tools.sh          # report; exit 0 when all are there, 1 otherwise
#
# Tools: find (GNU findutils), fd (Debian/Ubuntu name: fdfind), bfs,
# hyperfine (optional: compare has its own runner; hyperfine is handy for
# cross-checking one command).
set -u

have() { command -v "$1" >/dev/null 2>&1; }
version() { "$1" --version 2>/dev/null | head -n 1; }

missing_apt=()
missing=0
check() { # name, apt package, executables...
    local name=$1 pkg=$2; shift 2
    local exe
    for exe in "$@"; do
        if have "$exe"; then
            printf '  %-10s found: %s (%s)\n' "$name" "$(command -v "$exe")" "$(version "$exe")"
            return
        fi
    done
    printf '  %-10s MISSING (looked for: %s)\n' "$name" "$*"
    missing_apt+=("$pkg")
    missing=1
}

echo "Tools for anivault-bench compare:"
check find findutils find
check fd fd-find fd fdfind
check bfs bfs bfs
check hyperfine hyperfine hyperfine

# Peak RSS is read at each command's exit through ptrace (src/command/);
# where ptrace is forbidden the RSS cells say "n/m" instead.
scope=/proc/sys/kernel/yama/ptrace_scope
case "$( [ -r "$scope" ] && cat "$scope")" in
    3) echo "  ptrace     DISABLED ($scope = 3): compare's Peak RSS will be 'n/m'" ;;
    2) echo "  ptrace     admin only ($scope = 2): Peak RSS needs root or CAP_SYS_PTRACE, else 'n/m'" ;;
    0|1) echo "  ptrace     Yama allows tracing our own children (exact Peak RSS)" ;;
    *) echo "  ptrace     no Yama restriction (a seccomp profile may still forbid it: then Peak RSS is 'n/m')" ;;
esac

if [ "$missing" -eq 0 ]; then
    echo "All present. Run: anivault-bench compare --preset anime-100k"
    exit 0
fi

echo
echo "To install the missing ones:"
if have apt-get; then
    echo "  sudo apt-get install ${missing_apt[*]}"
    echo "  (Debian/Ubuntu install fd as 'fdfind'; compare finds it under either name.)"
elif have dnf; then
    echo "  sudo dnf install ${missing_apt[*]}"
elif have brew; then
    echo "  brew install ${missing_apt[*]/fd-find/fd}"
else
    echo "  Debian/Ubuntu: sudo apt-get install ${missing_apt[*]}"
    echo "  Other systems: your package manager's bfs, fd (fd-find) and hyperfine, or: cargo install fd-find hyperfine"
fi
echo "compare runs without them too: a tool that is missing is a 'not installed' row."
exit 1
