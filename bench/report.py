"""The benchmark's figures, their targets, and how they are printed."""

import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.agents import AgentLoad
from bench.latency import LatencyResult
from bench.lateness import LatenessResult
from bench.listing import DEEP_PAGE_DATABASE, DEEP_PAGE_TARGET, ListingResult
from bench.memory import MemoryResult
from bench.replay import ReplayRate
from bench.stats import ms, percentile
from bench.throughput import ThroughputResult

# Targets (issue 15): each a ratio to a yardstick measured in the same run, on the same server.
LATENCY_TARGET = 1.5  # project p50 and p99 at most this many times the bare update's
LATENESS_TARGET = 1.5  # project p99 at most this many times the bare timers'
THROUGHPUT_TARGET = 0.6  # project cases/s at least this share of the minimal durable shape's
REPLAY_TARGET = 0.8  # project replays/s at least this share of the bare shape's
LIST_P95_TARGET = 0.02  # seconds


def _verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def _list(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


@dataclass
class Report:
    machine: dict[str, str]
    config: dict[str, Any]
    worker: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add_throughput(self, tp: ThroughputResult) -> None:
        def median(kind: str) -> float:
            rates = [r.steady for r in tp.rounds if r.kind == kind]
            return statistics.median(rates) if rates else math.nan

        to_bare, to_minimal = tp.ratios("bare"), tp.ratios("minimal")
        bare_ratio = statistics.median(to_bare) if to_bare else math.nan
        minimal_ratio = statistics.median(to_minimal) if to_minimal else math.nan
        project, bare, minimal = median("project"), median("bare"), median("minimal")
        failures = sum(r.failures for r in tp.rounds)
        self.figures["throughput"] = {
            "shape": tp.shape.totals(),
            "minimal_shape": tp.minimal.totals(),
            "project_cases_per_s": project,
            "bare_cases_per_s": bare,
            "minimal_cases_per_s": minimal,
            "ratio_to_bare_median": bare_ratio,
            "ratios_to_bare": to_bare,
            "ratio_to_minimal_median": minimal_ratio,
            "ratios_to_minimal": to_minimal,
            "failures": failures,
            "failure_causes": dict(sum((r.causes for r in tp.rounds), Counter())),
            "shape_deviations": tp.shape_deviations,
            "timers_seen": dict(tp.timers_seen),
        }
        self.lines.append(
            f"Full cases/s (steady, median of {len(to_bare)} rounds): project {project:.2f}, bare shape "
            f"{bare:.2f}, minimal shape {minimal:.2f}; project / bare shape {bare_ratio:.2f} "
            f"(per round {_list(to_bare)}), project / minimal {minimal_ratio:.2f} (per round {_list(to_minimal)})"
            f" — target ≥ {THROUGHPUT_TARGET} × minimal: {_verdict(minimal_ratio >= THROUGHPUT_TARGET)}"
        )
        self.lines.append(
            f"  shape per case {tp.shape.totals()}; minimal {tp.minimal.totals()}; failed cases {failures}; "
            f"cases whose work differed from the reference {tp.shape_deviations}"
        )

    def add_replay(self, project: ReplayRate, bare: ReplayRate) -> None:
        ratio = project.rate / bare.rate if bare.rate else math.nan
        self.figures["replay"] = {
            "project_per_s": project.rate,
            "bare_per_s": bare.rate,
            "ratio": ratio,
            "histories": project.histories,
            "failures": project.failures + bare.failures,
        }
        self.lines.append(
            f"Replay: project {project.rate:.1f} histories/s, bare shape {bare.rate:.1f} histories/s, "
            f"ratio {ratio:.2f} ({project.histories} each; failures {project.failures + bare.failures})"
            f" — target ≥ {REPLAY_TARGET} × bare: {_verdict(ratio >= REPLAY_TARGET)}"
        )

    def add_latency(self, lat: LatencyResult) -> None:
        figures: dict[str, Any] = {"agents": lat.agents}
        for which in ("load", "bare"):
            load: AgentLoad = getattr(lat, which)
            figures["project" if which == "load" else "bare"] = {
                "actions": load.actions,
                "per_s": lat.rate(which),
                "p50_ms": lat.p(50, which) * 1000,
                "p95_ms": lat.p(95, which) * 1000,
                "p99_ms": lat.p(99, which) * 1000,
                "errors": len(load.errors),
                "first_errors": load.errors[:3],
            }
        figures["ratio_p50"], figures["ratio_p99"] = lat.ratio(50), lat.ratio(99)
        self.figures["latency"] = figures
        met = lat.ratio(50) <= LATENCY_TARGET and lat.ratio(99) <= LATENCY_TARGET
        self.lines.append(
            f"Agent action latency ({lat.agents} agents): project p50 {ms(lat.p(50))}, p95 {ms(lat.p(95))}, "
            f"p99 {ms(lat.p(99))} ({lat.load.actions} actions, {lat.rate():.1f}/s, errors {len(lat.load.errors)}); "
            f"bare update p50 {ms(lat.p(50, 'bare'))}, p95 {ms(lat.p(95, 'bare'))}, p99 {ms(lat.p(99, 'bare'))} "
            f"({lat.bare.actions} actions, errors {len(lat.bare.errors)}); ratios p50 {lat.ratio(50):.2f}, "
            f"p99 {lat.ratio(99):.2f} — target ≤ {LATENCY_TARGET} × bare: {_verdict(met)}"
        )

    def add_lateness(self, late: LatenessResult) -> None:
        figures: dict[str, Any] = {"cases": late.cases, "unrecorded_bare": late.unrecorded_bare}
        for name, side in (("project", late.project), ("bare", late.bare)):
            figures[name] = {
                "breaches": len(side.recorded),
                "fired_p50_s": side.p("fired", 50),
                "fired_p99_s": side.p("fired", 99),
                "recorded_p50_s": side.p("recorded", 50),
                "recorded_p99_s": side.p("recorded", 99),
            }
        figures["ratio_p99"] = late.ratio(99)
        self.figures.setdefault("lateness", {})[str(late.cases)] = figures
        rec99 = late.project.p("recorded", 99)
        ratio_met = late.ratio(99) <= LATENESS_TARGET
        self.lines.append(
            f"Escalation lateness, {late.cases} stalled cases ({len(late.project.recorded)} breaches): recorded "
            f"p50 {late.project.p('recorded', 50):.3f} s, p99 {rec99:.3f} s (timer fired p50 "
            f"{late.project.p('fired', 50):.3f} s, p99 {late.project.p('fired', 99):.3f} s); bare timers "
            f"({len(late.bare.recorded)} rows, {late.unrecorded_bare} missing) recorded p50 "
            f"{late.bare.p('recorded', 50):.3f} s, p99 {late.bare.p('recorded', 99):.3f} s; ratio p99 "
            f"{late.ratio(99):.2f} — target ≤ {LATENESS_TARGET} × bare: {_verdict(ratio_met)}; "
            f"≤ 1 s (idle machine): {_verdict(rec99 <= 1.0)}"
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
        self.figures["listing"][res.database]["deep_page_ratio"] = res.deep_page_ratio()
        self.lines.append(
            f"List query on {res.database} ({res.rows:,} rows): p50 {ms(res.p(50))}, p95 "
            f"{ms(res.p(95))} — target p95 < 20 ms: {_verdict(res.p(95) < LIST_P95_TARGET)}; page 20 / page 1 "
            f"(p50) {res.deep_page_ratio():.2f}"
            + (
                f" — target ≤ {DEEP_PAGE_TARGET}: {_verdict(res.deep_page_ratio() <= DEEP_PAGE_TARGET)}"
                if res.database == DEEP_PAGE_DATABASE
                else ""
            )
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
