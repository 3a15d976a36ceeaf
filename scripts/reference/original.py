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

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts

from _shared import is_media, main, report as _report


def report(path, err):
    _report("original.py", path, err)


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


if __name__ == "__main__":
    sys.exit(main("original.py", __doc__, scan_directory))
