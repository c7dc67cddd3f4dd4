#!/usr/bin/env python3
"""trafilatura on the WCXB pages: throughput on one core and the benchmark's word F1.

Usage: python3 benches/peers/html_peer.py [WCXB_DIR]   (default ../shared/corpus/html/wcxb-dev-articles)
Needs trafilatura (e.g. python3 -m venv /tmp/peer && /tmp/peer/bin/pip install trafilatura,
then run with /tmp/peer/bin/python3). Prints pages/s, MB/s of decompressed HTML (the
median of PASSES passes over all pages, default 3, extraction only) and the mean word F1 as
examples/html_eval.rs scores it (F1 on the even and odd ids too), with the share of `with`
snippets found and `without` snippets leaked (case-insensitive substrings, pooled over pages).
"""
import gzip, json, os, re, statistics, sys, time

import trafilatura

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../../shared/corpus/html/wcxb-dev-articles")
names = sorted(n for n in os.listdir(os.path.join(root, "html")) if n.endswith(".html.gz"))
pages = [(n[:-8], gzip.open(os.path.join(root, "html", n)).read()) for n in names]
total = sum(len(b) for _, b in pages)
tok = re.compile(r"\w+")

def f1(got, want):
    from collections import Counter
    g, w = Counter(tok.findall(got.lower())), Counter(tok.findall(want.lower()))
    ng, nw = sum(g.values()), sum(w.values())
    if ng == 0 or nw == 0:
        return 1.0 if ng == nw else 0.0
    c = sum((g & w).values())
    if c == 0:
        return 0.0
    p, r = c / ng, c / nw
    return 2 * p * r / (p + r)

times, outs = [], {}
passes = int(os.environ.get("PASSES", "3"))
for _ in range(passes):
    t = time.perf_counter()
    for pid, b in pages:
        outs[pid] = trafilatura.extract(b.decode("utf-8", "replace")) or ""
    times.append(time.perf_counter() - t)
med = statistics.median(times)
print(f"trafilatura {trafilatura.__version__}: {len(pages)} pages, {total} bytes, median of {passes} passes {med:.2f} s "
      f"= {len(pages)/med:.1f} pages/s, {total/med/1e6:.2f} MB/s", flush=True)
scores = {}
with_n = with_found = without_n = without_leaked = 0
for pid, _ in pages:
    gt = json.load(open(os.path.join(root, "ground-truth", pid + ".json")))["ground_truth"]
    scores[pid] = f1(outs[pid], gt.get("main_content") or "")
    low = outs[pid].lower()
    for s in gt.get("with") or []:
        with_n += 1
        with_found += s.lower() in low
    for s in gt.get("without") or []:
        without_n += 1
        without_leaked += s.lower() in low
even = [s for p, s in scores.items() if int(p) % 2 == 0]
odd = [s for p, s in scores.items() if int(p) % 2 == 1]
print(f"mean word F1 {statistics.mean(scores.values()):.3f} (even {statistics.mean(even):.3f}, odd {statistics.mean(odd):.3f})")
print(f"with found {100*with_found/max(with_n,1):.1f} % ({with_found}/{with_n}), "
      f"without leaked {100*without_leaked/max(without_n,1):.1f} % ({without_leaked}/{without_n})")
