#!/usr/bin/env python3
"""AniVault's original scanner, re-implemented faithfully: a recursive
``os.scandir`` generator with ``yield from``.

The algorithm is the one AniVault shipped before the Rust scanner: for each
entry of a directory, ``entry.is_dir(follow_symlinks=False)`` recurses
(``yield from scan_directory(entry.path)``), a regular file
(``entry.is_file(follow_symlinks=False)``) whose extension is in the set is
yielded. It streams: at any moment it holds one ``os.scandir`` iterator and
one generator frame per directory level, never the list of files.

Kept from the original, on purpose (they are what is being measured):

* recursion: one generator frame per level, so a tree deeper than Python's
  recursion limit (about 1,000 levels) ends in ``RecursionError``;
* ``yield from`` chains: every path found is passed up through one frame
  per level.

Changed from the original, so that the files found equal those of
``anivault-bench scan`` on every tree (the property the harness tests):

* names are bytes (``os.fsencode`` of the root, so ``os.scandir`` yields
  bytes): a name that is not valid UTF-8 is printed as its exact bytes, and
  case folding of the extension is ASCII only (``bytes.lower``);
* the extension is the bytes after the last dot (``rpartition``), so a
  hidden ``.mkv`` matches, as in ``ExtensionSet::matches_name``, where
  ``os.path.splitext`` would see no extension;
* a directory that cannot be read is reported on stderr with its path and
  the walk goes on (exit status 1 at the end, as ``find`` does).

Usage::

    original.py [--null] [--ext mkv,mp4,...] ROOT...
    original.py --list-extensions

prints one path per line (NUL-terminated with ``--null``) on stdout.
"""

import argparse
import os
import sys

# The scanner's default set (anivault_scanner::VIDEO_EXTENSIONS); the
# harness tests that `--list-extensions` prints exactly that set.
VIDEO_EXTENSIONS = (
    "mkv mp4 m4v avi mov wmv webm flv ts m2ts mts mpg mpeg ogm ogv rmvb vob 3gp"
).split()

errors = 0


def report(path, err):
    """One line on stderr naming the path and the cause, like find."""
    global errors
    errors += 1
    name = os.fsdecode(path) if isinstance(path, bytes) else path
    print(f"original.py: '{name}': {err.strerror or err}", file=sys.stderr)


def is_media(name, extensions):
    """The bytes after the last dot of `name`, ASCII-lowercased, are in the set."""
    _, dot, ext = name.rpartition(b".")
    return bool(dot) and ext.lower() in extensions


def scan_directory(root, extensions):
    """Yields the path (bytes) of every media file under `root`."""
    try:
        it = os.scandir(root)
    except OSError as e:
        report(root, e)
        return
    with it:
        while True:
            try:
                entry = next(it)
            except StopIteration:
                break
            except OSError as e:
                report(root, e)
                break
            try:
                if entry.is_dir(follow_symlinks=False):
                    yield from scan_directory(entry.path, extensions)
                elif entry.is_file(follow_symlinks=False) and is_media(
                    entry.name, extensions
                ):
                    yield entry.path
            except OSError as e:
                report(entry.path, e)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--null", "-0", action="store_true", help="NUL-terminated output")
    p.add_argument("--ext", help="extensions, comma-separated (default: video)")
    p.add_argument("--list-extensions", action="store_true", help="print the set and exit")
    p.add_argument("roots", nargs="*", metavar="ROOT")
    a = p.parse_args()
    names = a.ext.split(",") if a.ext else VIDEO_EXTENSIONS
    if a.list_extensions:
        print(",".join(names))
        return 0
    if not a.roots:
        p.error("at least one ROOT is required")
    extensions = frozenset(os.fsencode(n.strip().lower()) for n in names if n.strip())
    end = b"\0" if a.null else b"\n"
    out = sys.stdout.buffer
    try:
        for root in a.roots:
            root = os.fsencode(root)
            if not os.path.isdir(root):
                if os.path.isfile(root) and is_media(os.path.basename(root), extensions):
                    out.write(root + end)
                    continue
                print(f"original.py: '{os.fsdecode(root)}': not a directory", file=sys.stderr)
                return 2
            for path in scan_directory(root, extensions):
                out.write(path + end)
        out.flush()
    except BrokenPipeError:
        # A reader that stopped early (`| head`): not an error of the scan.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
