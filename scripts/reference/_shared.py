"""What the two reference scanners share: the extension set, error lines
on stderr, the extension test and the command line (ROOT..., ``--null``,
``--ext``, ``--list-extensions``). Each scanner keeps its own walk."""

import argparse
import os
import sys

# The scanner's default set (anivault_scanner::VIDEO_EXTENSIONS); the
# harness tests that `--list-extensions` prints exactly that set.
VIDEO_EXTENSIONS = (
    "mkv mp4 m4v avi mov wmv webm flv ts m2ts mts mpg mpeg ogm ogv rmvb vob 3gp"
).split()

errors = 0


def report(prog, path, err):
    """One line on stderr naming the path and the cause, like find."""
    global errors
    errors += 1
    name = os.fsdecode(path) if isinstance(path, bytes) else path
    print(f"{prog}: '{name}': {err.strerror or err}", file=sys.stderr)


def is_media(name, extensions):
    """The bytes after the last dot of `name`, ASCII-lowercased, are in the set."""
    _, dot, ext = name.rpartition(b".")
    return bool(dot) and ext.lower() in extensions


def main(prog, doc, scan):
    """Parses the command line and prints what `scan(root, extensions)`
    yields for each ROOT (bytes paths); exit 0, 1 after errors, 2 on a
    ROOT that is not a directory (a media file as ROOT is printed)."""
    p = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0])
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
                print(f"{prog}: '{os.fsdecode(root)}': not a directory", file=sys.stderr)
                return 2
            for path in scan(root, extensions):
                out.write(path + end)
        out.flush()
    except BrokenPipeError:
        # A reader that stopped early (`| head`): not an error of the scan.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 1 if errors else 0
