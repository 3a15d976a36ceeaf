#!/usr/bin/env bash
# Tells which of the tools `anivault-bench compare` (and a by-hand
# hyperfine run) can use are installed, and how to install the missing
# ones. Installs nothing unless asked.
#
#   scripts/compare-tools.sh            # report; exit 0 when all are there, 1 otherwise
#   scripts/compare-tools.sh --install  # (or INSTALL=1) first cargo-installs fdf and fd 10
#                                       # into target/tools (compare looks in target/tools/bin
#                                       # before PATH), then reports
#
# Tools: find (GNU findutils), fd (Debian/Ubuntu name: fdfind; fd 10 from
# cargo is a row of its own beside it), bfs, fdf (cargo only), hyperfine
# (optional: compare has its own runner; hyperfine is handy for
# cross-checking one command).
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
# compare reads ANIVAULT_TOOLS_DIR (a bin directory) too.
tools_bin=${ANIVAULT_TOOLS_DIR:-$root/target/tools/bin}
tools_root=$(dirname "$tools_bin")
# The versions compare's figures were taken with (issue 12).
FDF_VERSION=0.9.8
FD_VERSION=10.5.0

install=${INSTALL:-0}
for arg in "$@"; do
    case "$arg" in
        --install) install=1 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "compare-tools.sh: unknown argument '$arg' (try --install)" >&2; exit 2 ;;
    esac
done

have() { command -v "$1" >/dev/null 2>&1; }
version() { "$1" --version 2>/dev/null | head -n 1; }

if [ "$install" = 1 ]; then
    if ! have cargo; then
        echo "compare-tools.sh: --install needs cargo (https://rustup.rs)" >&2
        exit 1
    fi
    # cargo install skips a crate already installed at that version.
    for spec in "fdf@$FDF_VERSION" "fd-find@$FD_VERSION"; do
        echo "Installing $spec into $tools_root ..."
        if ! cargo install --locked --root "$tools_root" "${spec%@*}" --version "${spec#*@}"; then
            echo "compare-tools.sh: cargo install $spec failed" >&2
            exit 1
        fi
    done
fi
# Our tools directory first, as compare does.
PATH=$tools_bin:$PATH

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
# A second fd (e.g. the apt fdfind beside fd 10 in target/tools/bin) is
# its own row in compare.
if [ -x "$tools_bin/fd" ] && have fdfind; then
    printf '  %-10s found: %s (%s), its own row in compare\n' fdfind "$(command -v fdfind)" "$(version fdfind)"
fi
check bfs bfs bfs
check fdf cargo:fdf fdf
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
# fdf is not packaged: cargo only.
cargo_missing=0
for i in "${!missing_apt[@]}"; do
    if [ "${missing_apt[$i]}" = cargo:fdf ]; then
        unset 'missing_apt[i]'
        cargo_missing=1
    fi
done
missing_apt=("${missing_apt[@]}")
if [ "$cargo_missing" = 1 ] || [ ! -x "$tools_bin/fd" ]; then
    echo "  scripts/compare-tools.sh --install   # cargo install --root target/tools fdf@$FDF_VERSION fd-find@$FD_VERSION"
fi
if [ "${#missing_apt[@]}" -eq 0 ]; then
    :
elif have apt-get; then
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
