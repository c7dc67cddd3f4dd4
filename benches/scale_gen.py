#!/usr/bin/env python3
"""Generates N distinct synthetic articles from a corpus of real ones, for scale runs.

    scale_gen.py CORPUS_DIR OUT_DIR N [SEED] [UNIT]

UNIT says what is mixed (files are written into subdirectories of 10,000):

- `paragraph` (default): each article is three paragraphs drawn at random from the
  real ones, so the texts are real Vietnamese news prose. Two generated articles share
  at most a paragraph (containment about 1/3: distinct stories, not near copies), but
  with ~120 k paragraphs each is reused ~25 times in 1 M articles, so near-duplicate
  candidates (that fail verification) grow with the store: a hard case.
- `sentence`: each article is three paragraphs of 3-6 sentences drawn at random from
  all the real sentences. Two articles share at most a few sentences, as distinct
  stories do, so what grows with the store is the store itself.
"""
import os
import random
import re
import sys


def main():
    corpus, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    unit = sys.argv[5] if len(sys.argv) > 5 else "paragraph"
    if unit not in ("paragraph", "sentence"):
        sys.exit(f"unknown unit {unit!r}: paragraph or sentence")
    paras = []
    for name in sorted(os.listdir(corpus)):
        if not name.endswith(".txt"):
            continue
        with open(os.path.join(corpus, name), encoding="utf-8", errors="replace") as f:
            parts = [p.strip() for p in f.read().split("\n\n")]
        paras.extend(p for p in parts if len(p) > 200)
    if not paras:
        sys.exit(f"no paragraphs found in {corpus}")
    sentences = []
    if unit == "sentence":
        for p in paras:
            sentences.extend(s for s in re.split(r"(?<=[.!?])\s+", p) if len(s) > 40)
    for i in range(n):
        d = os.path.join(out, f"{i // 10000:04d}")
        if i % 10000 == 0:
            os.makedirs(d, exist_ok=True)
        if unit == "paragraph":
            body = "\n\n".join(rng.choice(paras) for _ in range(3))
        else:
            body = "\n\n".join(
                " ".join(rng.choice(sentences) for _ in range(rng.randint(3, 6))) for _ in range(3)
            )
        with open(os.path.join(d, f"{i:07d}.txt"), "w", encoding="utf-8") as f:
            f.write(body + "\n")


if __name__ == "__main__":
    main()
