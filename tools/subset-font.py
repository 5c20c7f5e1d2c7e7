#!/usr/bin/env python3
"""Regenerate the font `lodestone report --png` embeds (crates/lodestone-cli/fonts/).

A subset of Noto Sans CJK SC Regular (SIL OFL 1.1, Debian's `fonts-noto-cjk`): Latin,
Greek, the punctuation and symbols the report draws, CJK punctuation and full-width forms,
and every CJK character that occurs in the shipped datasets, scenarios and the news layer
(its seed page, fixtures and Chinese gazetteer names). A label with a character outside
the subset renders as an empty box (tofu), never an error.

Needs fontTools (`python3 -m venv .venv && .venv/bin/pip install fonttools`) and the font
(`apt-get install fonts-noto-cjk`). Run from anywhere:

    .venv/bin/python tools/subset-font.py [--font PATH]

then commit crates/lodestone-cli/fonts/lodestone-cjk-subset.otf with the tests passing.
"""

import argparse
import os
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
OUT = os.path.join(ROOT, "crates/lodestone-cli/fonts/lodestone-cjk-subset.otf")
DEFAULT_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FAMILY = "Noto Sans CJK SC"
# Folders whose text may end up in a chart label (names, news claims, scenario text).
SCANNED = ["data", "scenarios", "crates/lodestone-news", "crates/lodestone-report/src"]
# Latin-1, Latin Extended-A, Greek, general punctuation, super/subscripts, currency,
# arrows, maths, check marks, CJK symbols and punctuation, full-width forms.
RANGES = [
    (0x20, 0x7E), (0xA0, 0x17F), (0x370, 0x3FF), (0x2000, 0x206F), (0x2070, 0x20CF),
    (0x2190, 0x21FF), (0x2200, 0x22FF), (0x2713, 0x2717), (0x3000, 0x303F),
    (0xFF00, 0xFFEF),
]


def cjk_text():
    """Every character from U+2E80 up (CJK and beyond) in the scanned folders."""
    found = set()
    for top in SCANNED:
        for folder, _, files in os.walk(os.path.join(ROOT, top)):
            for name in files:
                try:
                    with open(os.path.join(folder, name), encoding="utf-8") as f:
                        found.update(c for c in f.read() if ord(c) >= 0x2E80)
                except (UnicodeDecodeError, OSError):
                    continue
    return found


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--font", default=DEFAULT_FONT, help="NotoSansCJK-Regular.ttc")
    args = p.parse_args()
    fonts = TTCollection(args.font).fonts
    number = next(i for i, f in enumerate(fonts) if f["name"].getDebugName(1) == FAMILY)
    unicodes = sorted({ord(c) for c in cjk_text()}
                      | {u for lo, hi in RANGES for u in range(lo, hi + 1)})
    options = subset.Options()
    options.font_number = number
    options.layout_features = ["kern", "liga", "locl", "palt"]
    options.hinting = False
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = subset.load_font(args.font, options)
    sub = subset.Subsetter(options)
    sub.populate(unicodes=unicodes)
    sub.subset(font)
    subset.save_font(font, OUT, options)
    cjk = sum(1 for u in unicodes if u >= 0x2E80 and not 0x3000 <= u <= 0x303F
              and not 0xFF00 <= u <= 0xFFEF)
    print(f"{OUT}: {os.path.getsize(OUT)} bytes, {len(unicodes)} code points "
          f"({cjk} CJK characters from {', '.join(SCANNED)})", file=sys.stderr)


if __name__ == "__main__":
    main()
