#!/usr/bin/env python3
"""pngcheck.py SHOT.png RRGGBB:MIN ...  -- decode a PNG (python3 stdlib
only) and check it is not blank and that each colour appears on at least
MIN pixels (within a small tolerance, for anti-aliasing).  Prints what it
counted; exit 1 when a check fails."""
import struct
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    pos, idat, w = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                sys.exit(f"{path}: unsupported PNG (depth {depth}, type {ctype})")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def main():
    w, h, bpp, rows = decode(sys.argv[1])
    counts = {}
    for line in rows:
        for x in range(0, len(line), bpp):
            px = line[x:x + 3]
            counts[px] = counts.get(px, 0) + 1
    white = counts.get(b"\xff\xff\xff", 0)
    total = w * h
    print(f"{w}x{h}: {len(counts)} colours, {total - white} non-white pixels")
    ok = len(counts) > 10 and total - white > total // 50
    if not ok:
        print("FAIL: the screenshot is blank")
    for spec in sys.argv[2:]:
        hexrgb, least = spec.split(":")
        want = bytes.fromhex(hexrgb)
        n = sum(c for px, c in counts.items()
                if all(abs(px[k] - want[k]) <= 6 for k in range(3)))
        print(f"#{hexrgb}: {n} pixels (want >= {least})")
        if n < int(least):
            ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
