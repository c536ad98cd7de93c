"""X weighted length: bulkpost's counter against twitter-text-parser 3.0.0, in one process.

    python benchmarks/bench_x_counting.py [--n 2000] [--repeat 3]

Builds a fixed mixed corpus (ASCII, URLs, emoji, CJK, mixed: benchmarks/corpus.py), checks
that both give identical results for every text (the whole parse result, not just the
length), then times each (best of ``--repeat`` runs, after one warm-up call each) and prints
both times and the ratio, overall and per kind of text.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
import warnings
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus import KINDS, corpus  # noqa: E402

from bulkpost.rules import twitter  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # twitter-text-parser imports pkg_resources
    import twitter_text  # noqa: E402


def best(fn: Callable[[str], object], texts: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for t in texts:
            fn(t)
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    texts = corpus(args.n)
    # warm-up: both compile their regexes lazily or at import
    twitter.weighted_length("warm up example.com 😀")
    twitter_text.parse_tweet("warm up example.com 😀")

    mismatches = [t for t in texts if twitter.parse_tweet(t).asdict() != twitter_text.parse_tweet(t).asdict()]
    print(f"python {platform.python_version()} on {platform.machine()}, {args.n} texts, best of {args.repeat}")
    print(f"identical results: {len(texts) - len(mismatches)}/{len(texts)}")

    rows = [("all", texts)]
    for name, make in KINDS.items():
        r = random.Random(name)
        rows.append((name, [make(r) for _ in range(max(args.n // len(KINDS), 50))]))
    print(f"{'corpus':<8} {'texts':>6} {'reference ms':>13} {'ours ms':>9} {'ref us/text':>12} {'ours us/text':>13} {'ratio':>7}")
    ratio_all = 0.0
    for name, items in rows:
        ref = best(lambda t: twitter_text.parse_tweet(t).weightedLength, items, args.repeat)
        ours = best(twitter.weighted_length, items, args.repeat)
        ratio = ref / ours
        if name == "all":
            ratio_all = ratio
        print(f"{name:<8} {len(items):>6} {ref * 1000:>13.1f} {ours * 1000:>9.1f} {ref / len(items) * 1e6:>12.1f} "
              f"{ours / len(items) * 1e6:>13.1f} {ratio:>6.1f}x")
    full = best(lambda t: twitter.parse_tweet(t), texts, args.repeat)
    ref_full = best(lambda t: twitter_text.parse_tweet(t), texts, args.repeat)
    print(f"full parse_tweet (all fields): reference {ref_full * 1000:.1f} ms, ours {full * 1000:.1f} ms, "
          f"ratio {ref_full / full:.1f}x")
    target = 20
    print(f"target >= {target}x on the mixed corpus: {'met' if ratio_all >= target else 'NOT met'} ({ratio_all:.1f}x)")
    return 0 if not mismatches else 1


if __name__ == "__main__":
    raise SystemExit(main())
