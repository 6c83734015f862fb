#!/usr/bin/env python3
"""examples.py FILE.md... -- turn the code examples of markdown files into
one bash script (on stdout) that runs them in order, as a reader pasting
them would: every ```sh block is run; a block is marked for this script by
an HTML comment (invisible on a rendered page) on the line before its fence:

  <!-- doc-test: skip REASON -->   not run (builds, installs, minutes, ...)
  <!-- doc-test: file PATH -->     any block: written to PATH, not run
  <!-- doc-test: run COMMAND -->   anywhere: a hidden command run there
                                   (to check what a block showed)

Fences may be indented (inside a list item); the indent is removed. Each
block is announced on stderr as "doc-test: FILE:LINE", so a failure names
the block it came from.
"""
import re
import shlex
import sys

MARK = re.compile(r'^\s*<!--\s*doc-test:\s*(skip|file|run)\s*(.*?)\s*-->\s*$')
FENCE = re.compile(r'^(\s*)```(\S*)\s*$')


def blocks(path):
    lines = open(path, encoding='utf-8').read().split('\n')
    i, mark = 0, None
    while i < len(lines):
        m = MARK.match(lines[i])
        if m and m.group(1) == 'run':
            yield i + 1, 'run', m.group(2) + '\n', None
            i += 1
            continue
        if m:
            mark = (m.group(1), m.group(2))
            i += 1
            continue
        f = FENCE.match(lines[i])
        if not f:
            if lines[i].strip():
                mark = None
            i += 1
            continue
        indent, lang, start = f.group(1), f.group(2), i + 1
        body = []
        i += 1
        while i < len(lines) and not re.match(r'^\s*```\s*$', lines[i]):
            line = lines[i]
            body.append(line[len(indent):] if line.startswith(indent) else line)
            i += 1
        i += 1
        yield start, lang, '\n'.join(body) + '\n', mark
        mark = None


def main():
    out = []
    for path in sys.argv[1:]:
        for line, lang, body, mark in blocks(path):
            where = '%s:%d' % (path, line)
            if mark and mark[0] == 'skip':
                out.append('echo %s >&2' % shlex.quote('doc-test: %s skipped (%s)' % (where, mark[1])))
                continue
            if mark and mark[0] == 'file':
                tag = 'DOC_TEST_EOF_%d' % line
                out.append('echo %s >&2' % shlex.quote('doc-test: %s -> %s' % (where, mark[1])))
                out.append("cat > %s <<'%s'\n%s%s" % (shlex.quote(mark[1]), tag, body, tag))
                continue
            if lang == 'run':
                out.append('DOC_TEST_BLOCK=%s; echo "doc-test: $DOC_TEST_BLOCK (hidden)" >&2' % shlex.quote(where))
                out.append(body.rstrip('\n'))
                continue
            if lang not in ('sh', 'bash'):
                continue
            out.append('DOC_TEST_BLOCK=%s; echo "doc-test: $DOC_TEST_BLOCK" >&2' % shlex.quote(where))
            out.append(body.rstrip('\n'))
    print('\n'.join(out))


if __name__ == '__main__':
    main()
