"""The benchmark's figures, their targets, and how they are printed."""

import statistics
from dataclasses import dataclass, field
from typing import Any

from bench.lateness import LatenessResult
from bench.latency import LatencyResult
from bench.listing import ListingResult
from bench.memory import MemoryResult
from bench.replay import ReplayRate
from bench.stats import ms, percentile
from bench.throughput import ThroughputResult


def _verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


@dataclass
class Report:
    machine: dict[str, str]
    config: dict[str, Any]
    worker: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add_throughput(self, tp: ThroughputResult) -> None:
        ratios = tp.ratios()
        ratio = statistics.median(ratios) if ratios else float("nan")
        project = statistics.median(r.steady for r in tp.rounds if r.kind == "project")
        bare = statistics.median(r.steady for r in tp.rounds if r.kind == "bare")
        failures = sum(r.failures for r in tp.rounds)
        self.figures["throughput"] = {
            "shape": tp.shape.totals(),
            "project_cases_per_s": project,
            "bare_cases_per_s": bare,
            "ratio_median": ratio,
            "ratios": ratios,
            "failures": failures,
            "shape_deviations": tp.shape_deviations,
            "timers_seen": dict(tp.timers_seen),
        }
        self.lines.append(
            f"Full cases/s (steady, median of {len(ratios)} rounds): project {project:.2f}, "
            f"bare {bare:.2f}, ratio {ratio:.2f} (per round {', '.join(f'{r:.2f}' for r in ratios)})"
            f" — target ≥ 0.8: {_verdict(ratio >= 0.8)}"
        )
        self.lines.append(
            f"  shape per case {tp.shape.totals()}; failed cases {failures}; cases whose work "
            f"differed from the reference {tp.shape_deviations}"
        )

    def add_replay(self, project: ReplayRate, bare: ReplayRate) -> None:
        self.figures["replay"] = {
            "project_per_s": project.rate,
            "bare_per_s": bare.rate,
            "ratio": project.rate / bare.rate if bare.rate else None,
            "histories": project.histories,
            "failures": project.failures + bare.failures,
        }
        self.lines.append(
            f"Replay: project {project.rate:.1f} histories/s, bare {bare.rate:.1f} histories/s "
            f"(ratio {project.rate / bare.rate:.2f}; {project.histories} each; "
            f"failures {project.failures + bare.failures})"
        )

    def add_latency(self, lat: LatencyResult) -> None:
        p50, p95, p99 = lat.p(50), lat.p(95), lat.p(99)
        self.figures["latency"] = {
            "agents": lat.agents,
            "actions": lat.load.actions,
            "per_s": lat.rate,
            "p50_ms": p50 * 1000,
            "p95_ms": p95 * 1000,
            "p99_ms": p99 * 1000,
            "errors": len(lat.load.errors),
            "first_errors": lat.load.errors[:3],
        }
        self.lines.append(
            f"Agent action latency ({lat.agents} agents, {lat.load.actions} actions, "
            f"{lat.rate:.1f}/s): p50 {ms(p50)}, p95 {ms(p95)}, p99 {ms(p99)}; errors "
            f"{len(lat.load.errors)} — target p99 < 100 ms: {_verdict(p99 < 0.1)}"
        )

    def add_lateness(self, late: LatenessResult) -> None:
        rec50, rec99 = late.p("recorded", 50), late.p("recorded", 99)
        self.figures["lateness"] = {
            "cases": late.cases,
            "breaches": len(late.recorded),
            "fired_p50_s": late.p("fired", 50),
            "fired_p99_s": late.p("fired", 99),
            "recorded_p50_s": rec50,
            "recorded_p99_s": rec99,
        }
        self.lines.append(
            f"Escalation lateness ({len(late.recorded)} breaches of {late.cases} stalled cases): "
            f"recorded p50 {rec50:.3f} s, p99 {rec99:.3f} s (timer fired p50 "
            f"{late.p('fired', 50):.3f} s, p99 {late.p('fired', 99):.3f} s) — target ≤ 1 s: "
            f"{_verdict(rec99 <= 1.0)}"
        )

    def add_listing(self, res: ListingResult) -> None:
        per_query = {
            label: {"p50_ms": percentile(t, 50) * 1000, "p95_ms": percentile(t, 95) * 1000}
            for label, t in res.timings.items()
        }
        self.figures.setdefault("listing", {})[res.database] = {
            "rows": res.rows,
            "load_s": res.load_seconds,
            "p50_ms": res.p(50) * 1000,
            "p95_ms": res.p(95) * 1000,
            "queries": per_query,
        }
        self.lines.append(
            f"List query on {res.database} ({res.rows:,} rows): p50 {ms(res.p(50))}, p95 "
            f"{ms(res.p(95))} — target p95 < 20 ms: {_verdict(res.p(95) < 0.02)}"
        )
        for label, figures in per_query.items():
            self.lines.append(f"    {label}: p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms")

    def add_memory(self, mem: MemoryResult) -> None:
        self.figures["memory"] = {
            "idle_mib": mem.idle_mib,
            "by_open_cases": mem.by_open_cases,
            "filings_per_s": mem.filing_rate,
        }
        held = ", ".join(f"{n:,} open: {mib:.0f} MiB" for n, mib in mem.by_open_cases.items())
        self.lines.append(f"Worker RSS: idle {mem.idle_mib:.0f} MiB; {held} (filed at {mem.filing_rate:.1f}/s)")

    def render(self) -> str:
        head = [
            f"Benchmark — {self.machine['date']}, {self.machine['cpus']} CPUs, Python {self.machine['python']}",
            f"Worker: {self.worker}",
        ]
        return "\n".join(["", *head, *self.lines, *(f"Note: {n}" for n in self.notes), ""])

    def as_dict(self) -> dict[str, Any]:
        return {
            "machine": self.machine,
            "config": self.config,
            "worker": self.worker,
            "figures": self.figures,
            "notes": self.notes,
        }
