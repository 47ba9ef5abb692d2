// Native hnswlib peer: same command-line and JSON contract as ann_peers.py.
//
//   hnswlib-native --data DIR --m 16 --efc 200 --ef 10,16,32,64,128,256,512 --k 10 --out FILE.json
//
// Builds hnswlib::HierarchicalNSW<float> over DIR/base.fvecs on one thread (labels = row index,
// random seed 100), then for each ef runs every query of DIR/queries.fvecs one at a time, timing
// each with std::chrono::steady_clock (CLOCK_MONOTONIC), and scores recall@k against
// DIR/groundtruth.ivecs. Built by build-native.sh, which defines PEER_BUILD (header version + flags).
#include "hnswlib.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#ifndef PEER_BUILD
#define PEER_BUILD "hnswlib (unknown header version), unknown compiler flags"
#endif

#if defined(USE_AVX512)
#define PEER_SIMD "USE_AVX512"
#elif defined(USE_AVX)
#define PEER_SIMD "USE_AVX"
#elif defined(USE_SSE)
#define PEER_SIMD "USE_SSE"
#else
#define PEER_SIMD "no SIMD"
#endif

using Clock = std::chrono::steady_clock;

// A .fvecs/.ivecs file: rows x dim values of 4 bytes (float or int32), row-major.
template <typename T> struct Vecs { size_t rows = 0, dim = 0; std::vector<T> data; };

template <typename T> static Vecs<T> read_vecs(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    Vecs<T> v;
    int32_t dim;
    while (in.read(reinterpret_cast<char *>(&dim), sizeof dim)) {
        if (v.rows == 0) v.dim = static_cast<size_t>(dim);
        else if (static_cast<size_t>(dim) != v.dim) throw std::runtime_error(path + ": rows of differing dimension");
        v.data.resize((v.rows + 1) * v.dim);
        if (!in.read(reinterpret_cast<char *>(&v.data[v.rows * v.dim]), v.dim * sizeof(T)))
            throw std::runtime_error(path + ": truncated row");
        v.rows++;
    }
    if (v.rows == 0) throw std::runtime_error(path + ": empty file");
    return v;
}

// Resident set size in bytes from /proc/self/status (VmRSS is reported in kB).
static long rss_bytes() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6) * 1024L;
    return -1;
}

// Linear-interpolated percentile of sorted nanosecond samples (numpy's default), in microseconds.
static double percentile_us(const std::vector<long> &sorted, double p) {
    double rank = p / 100.0 * (sorted.size() - 1);
    size_t lo = static_cast<size_t>(rank), hi = std::min(lo + 1, sorted.size() - 1);
    return (sorted[lo] + (rank - lo) * (sorted[hi] - sorted[lo])) / 1e3;
}

// Minimal JSON string escaping (the build string is the only free text we emit).
static std::string json_str(const std::string &s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) >= 0x20) out += c;
    }
    return out + "\"";
}

int main(int argc, char **argv) {
    std::string data, out;
    size_t m = 16, efc = 200, k = 10;
    std::vector<size_t> efs;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i], v = argv[i + 1];
        if (a == "--data") data = v;
        else if (a == "--out") out = v;
        else if (a == "--m") m = std::stoul(v);
        else if (a == "--efc") efc = std::stoul(v);
        else if (a == "--k") k = std::stoul(v);
        else if (a == "--ef") {
            for (size_t pos = 0; pos < v.size();) {
                size_t comma = v.find(',', pos);
                if (comma == std::string::npos) comma = v.size();
                if (comma > pos) efs.push_back(std::stoul(v.substr(pos, comma - pos)));
                pos = comma + 1;
            }
        } else { std::fprintf(stderr, "unknown argument %s\n", a.c_str()); return 2; }
    }
    if (data.empty() || out.empty() || efs.empty()) {
        std::fprintf(stderr, "usage: %s --data DIR --m 16 --efc 200 --ef 10,32,128 --k 10 --out FILE.json\n", argv[0]);
        return 2;
    }

    try {
        auto base = read_vecs<float>(data + "/base.fvecs");
        auto queries = read_vecs<float>(data + "/queries.fvecs");
        auto gt = read_vecs<int32_t>(data + "/groundtruth.ivecs");
        if (queries.dim != base.dim || gt.rows != queries.rows || gt.dim < k)
            throw std::runtime_error("base/queries/groundtruth shapes do not match");

        // Build: single thread, points added in order with label = row index.
        long rss0 = rss_bytes();
        auto t0 = Clock::now();
        hnswlib::L2Space space(base.dim);
        hnswlib::HierarchicalNSW<float> index(&space, base.rows, m, efc, 100);
        for (size_t i = 0; i < base.rows; i++) index.addPoint(&base.data[i * base.dim], i);
        double build_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        long memory = rss_bytes() - rss0;

        std::string sweep;
        std::vector<long> lat(queries.rows);
        std::vector<std::vector<hnswlib::labeltype>> results(queries.rows);
        for (size_t ef : efs) {
            index.setEf(ef);
            auto loop0 = Clock::now();
            for (size_t q = 0; q < queries.rows; q++) {
                auto t = Clock::now();
                auto heap = index.searchKnn(&queries.data[q * queries.dim], k);   // max-heap by distance
                auto &ids = results[q];
                ids.clear();
                for (; !heap.empty(); heap.pop()) ids.push_back(heap.top().second);
                lat[q] = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t).count();
            }
            double loop_seconds = std::chrono::duration<double>(Clock::now() - loop0).count();

            // Recall@k, scored outside the timed loop.
            size_t hits = 0;
            for (size_t q = 0; q < queries.rows; q++) {
                std::unordered_set<int32_t> truth(&gt.data[q * gt.dim], &gt.data[q * gt.dim] + k);
                for (auto id : results[q]) hits += truth.count(static_cast<int32_t>(id));
            }
            double recall = static_cast<double>(hits) / (queries.rows * k);
            double mean_us = 0;
            for (long ns : lat) mean_us += ns / 1e3;
            mean_us /= lat.size();
            std::vector<long> sorted = lat;
            std::sort(sorted.begin(), sorted.end());
            double qps = queries.rows / loop_seconds;

            char row[256];
            std::snprintf(row, sizeof row,
                          "%s\n    {\"ef\": %zu, \"recall\": %.6f, \"qps\": %.3f, \"p50_us\": %.3f, \"p99_us\": %.3f, \"mean_us\": %.3f}",
                          sweep.empty() ? "" : ",", ef, recall, qps, percentile_us(sorted, 50),
                          percentile_us(sorted, 99), mean_us);
            sweep += row;
            std::fprintf(stderr, "hnswlib-native ef=%zu recall=%.4f qps=%.1f\n", ef, recall, qps);
        }

        std::string build = std::string(PEER_BUILD) + ", SIMD: " + PEER_SIMD;
        std::string tmp = out + ".tmp";
        FILE *f = std::fopen(tmp.c_str(), "w");
        if (!f) throw std::runtime_error("cannot write " + tmp);
        std::fprintf(f,
                     "{\n  \"peer\": \"hnswlib-native\",\n  \"build\": %s,\n  \"m\": %zu,\n  \"ef_construction\": %zu,\n"
                     "  \"k\": %zu,\n  \"base\": %zu,\n  \"dimension\": %zu,\n  \"queries\": %zu,\n"
                     "  \"build_seconds\": %.6f,\n  \"memory_bytes\": %ld,\n  \"index_file_bytes\": %zu,\n"
                     "  \"memory_note\": \"process RSS growth across the index build (/proc/self/status VmRSS); "
                     "index_file_bytes is hnswlib's own indexFileSize()\",\n  \"sweep\": [%s\n  ]\n}\n",
                     json_str(build).c_str(), m, efc, k, base.rows, base.dim, queries.rows, build_seconds,
                     memory, index.indexFileSize(), sweep.c_str());
        if (std::fclose(f) != 0 || std::rename(tmp.c_str(), out.c_str()) != 0)
            throw std::runtime_error("cannot write " + out);
        std::printf("%s\n", out.c_str());
    } catch (const std::exception &e) {
        std::fprintf(stderr, "hnswlib-native: %s\n", e.what());
        return 1;
    }
    return 0;
}
