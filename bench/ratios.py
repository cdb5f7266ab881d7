#!/usr/bin/env python3
"""Prints Tessera / best peer per W1 phase from the two JSON-lines files.

Higher is better for Tessera in every row: throughput phases divide ops/s;
commit_latency divides the best peer's p50 by ours; size divides the best
peer's compacted bytes by ours.
"""
import json
import sys

PHASES = ["load", "reopen", "get_pk", "get_unique", "range", "scan", "update", "delete", "commit_latency", "size"]


def load(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    return [r for r in rows if r["system"] not in ("_meta", "limits") and r["phase"] != "config"], rows


def main():
    peers, peer_all = load(sys.argv[1])
    ours, _ = load(sys.argv[2])
    ours_by_phase = {r["phase"]: r for r in ours}
    system = ours[0]["system"] if ours else "tessera"
    limits = {r["phase"]: r for r in peer_all if r["system"] == "limits"}
    print(f"{'phase':<15} {'tessera':>14} {'best peer':>22} {'ratio':>8}  ok")
    for phase in PHASES:
        mine = ours_by_phase.get(phase)
        cands = [r for r in peers if r["phase"] == phase]
        if not mine or not cands:
            print(f"{phase:<15} {'(missing)':>14}")
            continue
        if phase == "commit_latency":
            best = min(cands, key=lambda r: r["extra"]["p50_us"])
            a, b = mine["extra"]["p50_us"], best["extra"]["p50_us"]
            ratio, shown, shown_best = b / a, f"p50 {a:.0f}us", f"{best['system']} p50 {b:.0f}us"
        elif phase == "size":
            best = min(cands, key=lambda r: r["extra"]["bytes_compacted"] or float("inf"))
            a, b = mine["extra"]["bytes_compacted"], best["extra"]["bytes_compacted"]
            ratio, shown, shown_best = b / a, f"{a / 1e6:.1f} MB", f"{best['system']} {b / 1e6:.1f} MB"
        else:
            best = max(cands, key=lambda r: r["ops_per_s"] or 0)
            a, b = mine["ops_per_s"], best["ops_per_s"]
            ratio, shown, shown_best = a / b, f"{a:,.0f}/s", f"{best['system']} {b:,.0f}/s"
            if phase == "reopen":  # one operation: seconds read better than 0/s
                shown, shown_best = f"{mine['seconds']:.3f}s", f"{best['system']} {best['seconds']:.3f}s"
        ok = mine["extra"].get("ok", "")
        print(f"{phase:<15} {shown:>14} {shown_best:>22} {ratio:>7.3g}x  {ok}")
    floor = ours_by_phase.get("get_unique", {}).get("extra", {}).get("floor_ops_per_s")
    uq_peers = [r for r in peers if r["phase"] == "get_unique"]
    if floor and uq_peers:
        best = max(uq_peers, key=lambda r: r["ops_per_s"] or 0)
        print(f"\nget_unique with the index taken out (row by id, same loop): {floor:,.0f}/s = "
              f"{floor / best['ops_per_s']:.3g}x {best['system']}")
    fs = limits.get("fsync_latency")
    if fs and "commit_latency" in ours_by_phase:
        p50 = ours_by_phase["commit_latency"]["extra"]["p50_us"]
        print(f"\ncommit p50 {p50:.0f}us vs fdatasync p50 {fs['extra']['p50_us']:.0f}us on this machine: "
              f"{p50 / fs['extra']['p50_us']:.2f}x")
    print(f"\n{system}; peers from {sys.argv[1]}")


if __name__ == "__main__":
    main()
