"""Developer tool: regenerate ``data/x_tlds.txt`` and ``data/x_emoji.txt`` from twitter-text-parser.

Not imported at run time. Run ``python -m bulkpost.rules._gen_x_data`` with the dev extra
installed (twitter-text-parser 3.0.0 + setuptools<82). It writes the TLD lists (in the
reference's alternation order, which decides ties between a TLD and a longer one sharing its
prefix) and the emoji sequences the reference counts as one emoji: Unicode emoji-test.txt
12.0 as twitter-text-parser reads it, including its single-code-point ranges (which is why
bare (c) and (R) count 2 here, as they do in the reference). See ``data/NOTICE.md``.
"""

from __future__ import annotations

import re
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def _alternatives(pattern: str) -> list[str]:
    inner = pattern[len("(?:(?:") : pattern.index(")(?=")]
    return inner.split("|")


def main() -> None:
    from twitter_text.regexp import emoji as em  # dev-only reference
    from twitter_text.regexp.valid_cctld import valid_cctld
    from twitter_text.regexp.valid_gtld import valid_gtld

    gtld = _alternatives(valid_gtld.pattern)
    cctld = _alternatives(valid_cctld.pattern)
    with open(DATA / "x_tlds.txt", "w", encoding="utf-8") as fh:
        fh.write("# twitter-text TLD lists as shipped by twitter-text-parser 3.0.0 (MIT), originally\n")
        fh.write("# twitter/twitter-text (Apache-2.0). Order matters (regex alternation order).\n")
        fh.write("[gtld]\n" + "\n".join(gtld) + "\n[cctld]\n" + "\n".join(cctld) + "\n")

    multi = em.multi_codepoint_emoji_joined.split("|")
    seqs = []
    for m in multi:
        cps = re.findall(r"\\U([0-9a-fA-F]{8})", m)
        seqs.append(" ".join(f"{int(c, 16):X}" for c in cps))
    with open(DATA / "x_emoji.txt", "w", encoding="utf-8") as fh:
        fh.write("# Emoji the twitter-text v3 counter weighs as one unit (2 characters), as twitter-text-parser\n")
        fh.write("# 3.0.0 (MIT) derives them from Unicode emoji-test.txt 12.0 (Unicode License, see NOTICE.md).\n")
        fh.write("[single]\n")
        for lo, hi in em.single_codepoint_emoji_ranges:
            fh.write(f"{lo:X}\n" if lo == hi else f"{lo:X}..{hi:X}\n")
        fh.write("[multi]\n" + "\n".join(seqs) + "\n")


if __name__ == "__main__":
    main()
