#!/usr/bin/env python3
"""Generates N distinct synthetic articles from a corpus of real ones, for scale runs.

    scale_gen.py CORPUS_DIR OUT_DIR N [SEED]

Each article is three paragraphs drawn at random from different real articles, so the
texts are real Vietnamese news prose, and two generated articles share at most a
paragraph (containment about 1/3: distinct stories, not near copies). Files are
written into subdirectories of 10,000.
"""
import os
import random
import sys


def main():
    corpus, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    paras = []
    for name in sorted(os.listdir(corpus)):
        if not name.endswith(".txt"):
            continue
        with open(os.path.join(corpus, name), encoding="utf-8", errors="replace") as f:
            parts = [p.strip() for p in f.read().split("\n\n")]
        paras.extend(p for p in parts if len(p) > 200)
    if not paras:
        sys.exit(f"no paragraphs found in {corpus}")
    for i in range(n):
        d = os.path.join(out, f"{i // 10000:04d}")
        if i % 10000 == 0:
            os.makedirs(d, exist_ok=True)
        body = "\n\n".join(rng.choice(paras) for _ in range(3))
        with open(os.path.join(d, f"{i:07d}.txt"), "w", encoding="utf-8") as f:
            f.write(body + "\n")


if __name__ == "__main__":
    main()
