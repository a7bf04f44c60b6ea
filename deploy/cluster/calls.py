"""The mix of calls both drivers send (the Rust driver, benches/src/bin/cluster_load.rs, sends
the same), and the summary they print.

Of every ten calls: four `record_call` (not idempotent; one of them waits 100 ms), two
`query_db`, one `greet_after_delay` waiting 100 ms, three `parse_csv_summary` (all three
read-only and idempotent). Each `record_call` has an id of its own, RUN_ID-INDEX, which the
replica that runs it appends to its call log: an id found twice in the logs is a call run
twice.
"""

CSV = "city,population\nParis,2100000\nLyon,520000\nNice,340000\n"


def call_of(run_id, index):
    kind = index % 10
    if kind < 4:
        return "record_call", {"id": f"{run_id}-{index}", "delay_ms": 100 if kind == 3 else 0}
    if kind < 6:
        return "query_db", {"sql": "SELECT name FROM cities ORDER BY population DESC LIMIT 3"}
    if kind == 6:
        return "greet_after_delay", {"name": f"caller {index}", "delay_ms": 100}
    return "parse_csv_summary", {"text": CSV}


def percentile(sorted_values, fraction):
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def summary(outcomes, wall):
    latencies = sorted(seconds for _, seconds in outcomes)
    kinds = [kind for kind, _ in outcomes]
    return {
        "calls": len(outcomes),
        "answered": kinds.count("answered"),
        "errors": kinds.count("error"),
        "unknown_outcome": kinds.count("unknown"),
        "failed": kinds.count("failed"),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "wall_s": round(wall, 3),
        "calls_per_s": round(len(outcomes) / wall, 1) if wall else 0.0,
    }
