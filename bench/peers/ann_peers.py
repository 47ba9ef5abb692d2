#!/usr/bin/python3
"""HNSW peer harness for the Debian-packaged libraries (hnswlib, faiss).

Builds an HNSW index over DIR/base.fvecs (single thread), then for each ef runs
every query of DIR/queries.fvecs one at a time on one thread, timing each query
with the monotonic clock, and scores recall@k against DIR/groundtruth.ivecs.
Writes one JSON file per peer, <peer>.json, into the --out directory.

  /usr/bin/python3 ann_peers.py --data DIR --m 16 --efc 200 \
      --ef 10,16,32,64,128,256,512 --k 10 --out OUTDIR [--peers a,b]

Each peer runs in its own fresh interpreter (this script calls itself with
--only) so the RSS growth measured for one peer is not skewed by the heap
left behind by the other.
"""
import argparse
import gc
import importlib
import json
import os
import subprocess
import sys
import time

import numpy as np

PEERS = ("hnswlib-debian", "faiss-hnsw-debian")


def read_vecs(path, dtype):
    """Read .fvecs/.ivecs: per row an int32 dim, then dim 4-byte values."""
    if not os.path.isfile(path):
        raise SystemExit(f"{path}: no such file")
    raw = np.fromfile(path, dtype=np.int32)
    if raw.size == 0:
        raise SystemExit(f"{path}: empty file")
    dim = int(raw[0])
    if raw.size % (dim + 1) != 0:
        raise SystemExit(f"{path}: size is not a multiple of (1 + {dim}) * 4 bytes")
    rows = raw.reshape(-1, dim + 1)
    if not (rows[:, 0] == dim).all():
        raise SystemExit(f"{path}: rows of differing dimension")
    # Drop the dim column, reinterpret the bytes, and copy to a C-contiguous array.
    return np.ascontiguousarray(rows[:, 1:].view(dtype))


def rss_bytes():
    """Current resident set size from /proc/self/status (VmRSS is in kB)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("VmRSS not found")


def deb_version(pkg):
    """Installed Debian package version, e.g. '0.6.2-2+deb12u1'."""
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def make_hnswlib(base, m, efc):
    """Build with hnswlib; return (build string, set_ef, search(q, k) -> ids)."""
    import hnswlib
    index = hnswlib.Index(space="l2", dim=base.shape[1])
    index.init_index(max_elements=base.shape[0], ef_construction=efc, M=m, random_seed=100)
    index.set_num_threads(1)
    index.add_items(base, np.arange(base.shape[0]), num_threads=1)
    build = f"Debian python3-hnswlib {deb_version('python3-hnswlib')} (generic SSE build)"
    search = lambda q, k: index.knn_query(q, k=k, num_threads=1)[0][0]
    return build, index.set_ef, search, index


def make_faiss(base, m, efc):
    """Build with faiss IndexHNSWFlat (M links on upper layers, 2M on layer 0)."""
    import faiss
    faiss.omp_set_num_threads(1)
    index = faiss.IndexHNSWFlat(base.shape[1], m)   # METRIC_L2 by default
    index.hnsw.efConstruction = efc
    index.add(base)
    build = (f"Debian python3-faiss {deb_version('python3-faiss')} "
             f"(faiss {faiss.__version__}, compile options: {faiss.get_compile_options().strip()})")

    def set_ef(ef):
        index.hnsw.efSearch = ef

    search = lambda q, k: index.search(q, k)[1][0]
    return build, set_ef, search, index


def percentile(sorted_ns, p):
    """Linear-interpolated percentile (numpy's default), in microseconds."""
    return float(np.percentile(sorted_ns, p)) / 1e3


def run_peer(name, args):
    base = read_vecs(os.path.join(args.data, "base.fvecs"), np.float32)
    queries = read_vecs(os.path.join(args.data, "queries.fvecs"), np.float32)
    gt = read_vecs(os.path.join(args.data, "groundtruth.ivecs"), np.int32)
    if queries.shape[1] != base.shape[1] or gt.shape[0] != queries.shape[0] or gt.shape[1] < args.k:
        raise SystemExit("base/queries/groundtruth shapes do not match")
    truth = [set(row[:args.k].tolist()) for row in gt]

    # Import the library before the first RSS reading so its code is not counted as index memory.
    importlib.import_module("hnswlib" if name == "hnswlib-debian" else "faiss")
    gc.collect()
    rss0 = rss_bytes()
    t0 = time.perf_counter_ns()
    make = make_hnswlib if name == "hnswlib-debian" else make_faiss
    build, set_ef, search, index = make(base, args.m, args.efc)
    build_seconds = (time.perf_counter_ns() - t0) / 1e9
    memory = rss_bytes() - rss0

    nq = queries.shape[0]
    rows = [queries[i:i + 1] for i in range(nq)]   # pre-sliced (1, d) views
    sweep = []
    for ef in args.ef:
        set_ef(ef)
        lat = np.empty(nq, dtype=np.int64)
        results = [None] * nq
        loop0 = time.perf_counter_ns()
        for i in range(nq):
            t = time.perf_counter_ns()
            results[i] = search(rows[i], args.k)
            lat[i] = time.perf_counter_ns() - t
        loop_seconds = (time.perf_counter_ns() - loop0) / 1e9
        # Recall is scored after the timed loop; faiss pads missing hits with -1.
        hits = sum(len(truth[i].intersection(int(x) for x in results[i] if x >= 0))
                   for i in range(nq))
        lat.sort()
        sweep.append({"ef": ef, "recall": hits / (nq * args.k), "qps": nq / loop_seconds,
                      "p50_us": percentile(lat, 50), "p99_us": percentile(lat, 99),
                      "mean_us": float(lat.mean()) / 1e3})
        print(f"{name} ef={ef} recall={sweep[-1]['recall']:.4f} qps={sweep[-1]['qps']:.1f}",
              file=sys.stderr)

    return {"peer": name, "build": build, "m": args.m, "ef_construction": args.efc,
            "k": args.k, "base": int(base.shape[0]), "dimension": int(base.shape[1]),
            "queries": int(nq), "build_seconds": build_seconds, "memory_bytes": int(memory),
            "memory_note": "process RSS growth across the index build (/proc/self/status "
                           "VmRSS); base vectors were loaded before the first reading",
            "sweep": sweep}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--efc", type=int, default=200)
    ap.add_argument("--ef", type=lambda s: [int(x) for x in s.split(",") if x], required=True)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--out", required=True, help="output directory; <peer>.json is written into it")
    ap.add_argument("--peers", default=",".join(PEERS), help="comma-separated subset of " + ", ".join(PEERS))
    ap.add_argument("--only", help=argparse.SUPPRESS)   # internal: run one peer in this process
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    if args.only:
        result = run_peer(args.only, args)
        path = os.path.join(args.out, f"{args.only}.json")
        with open(path + ".tmp", "w") as f:
            json.dump(result, f, indent=2)
        os.replace(path + ".tmp", path)   # never leave a half-written JSON behind
        print(path)
        return

    names = args.peers.split(",")
    for name in names:
        if name not in PEERS:
            raise SystemExit(f"unknown peer {name!r}; known: {', '.join(PEERS)}")
    for name in names:
        # Fresh interpreter per peer: isolates RSS measurement and library state.
        rc = subprocess.run([sys.executable, os.path.abspath(__file__), *sys.argv[1:], "--only", name]).returncode
        if rc != 0:
            raise SystemExit(f"peer {name} failed (exit status {rc})")


if __name__ == "__main__":
    main()
