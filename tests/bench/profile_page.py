"""Where a page's time goes, in process: a page's opening event (or a list event) on a whole state tree,
with the delta Reflex computes and serialises after it, under cProfile.

    python -m tests.bench.profile_page --db /tmp/x/portal.db --email tickets-admin@bench.example \
        --route /tickets --alternate "TicketsState.set_filter:status=pending" [--n 200] [--top 40]

`--db` is a database a bench seeded (`BENCH_KEEP=1` keeps it). Each round runs `--route`'s opening
event (`PortalState.open_page`, as the browser's page load does), then `--alternate` when given (a
handler of a state of the tree, `State.handler:arg=value,...` or `State.handler:{json}`, so the next load has something to
change), computes the delta with Reflex (`_get_resolved_delta`), serialises it as the socket would
(`format.json_dumps`) and cleans the tree. Prints the wall time per step and the profile.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import statistics
import time
from pathlib import Path


def _env(db: Path) -> None:
    from .harness import temporary_database

    temporary_database("guichet-profile-", f"sqlite:///{db}")  # this database, providers that only log


def _state_class(name: str):
    import reflex as rx

    pending = [rx.State]
    while pending:
        cls = pending.pop()
        if cls.__name__ == name:
            return cls
        pending.extend(cls.get_substates())
    raise SystemExit(f"no state named {name}")


def sub(root, cls):
    return root.get_substate(cls.get_full_name().split(".")[1:])


def router_data(path: str, query: dict):
    """What the router holds for a page load of `path?query` (as tests/support/states.py builds it; not
    imported from there: that would load the tests' configuration and its database)."""
    from urllib.parse import urlencode

    from reflex.istate.data import RouterData

    full = path + ("?" + urlencode(query) if query else "")
    return RouterData.from_router_data({"pathname": path, "asPath": full, "headers": {"origin": "http://localhost:3000"},
                                        "ip": "127.0.0.1"})


def open_route(root, path: str, query: dict | None = None) -> None:
    """The tree now sees the router of a page load of `path?query` (its substates read the root's)."""
    root.router = router_data(path, query or {})


async def delta_json(root) -> tuple[float, float, str]:
    """What Reflex does after an event: the delta (ms), its JSON as the socket sends it (ms), and the text;
    the tree is clean afterwards."""
    from reflex_base.utils import format

    t0 = time.perf_counter()
    delta = await root._get_resolved_delta()
    t1 = time.perf_counter()
    text = format.json_dumps(delta)
    t2 = time.perf_counter()
    root._clean()
    return (t1 - t0) * 1000, (t2 - t1) * 1000, text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--email", required=True)
    parser.add_argument("--route", required=True, help="the page opened, e.g. /tickets or /tickets/view?id=1")
    parser.add_argument("--alternate", default="",
                        help='State.handler:arg=value,... or State.handler:{"arg": {...}} run between two loads')
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--filter", default="", help="only functions whose path matches (e.g. portal_app)")
    args = parser.parse_args()
    _env(args.db.resolve())

    import reflex as rx
    from sqlmodel import select

    import portal_app.portal_app  # noqa: F401 - registers every page and its loads
    from portal_app.core.auth import sessions as portal_sessions
    from portal_app.core.db import session_scope
    from portal_app.core.models.accounts import Contact
    from portal_app.core.states.portal import PortalState

    with session_scope() as db:
        cid = db.exec(select(Contact.id).where(Contact.email == args.email)).one()
        token = portal_sessions.open_session(db, cid)

    path, _, query = args.route.partition("?")
    params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
    root = rx.State(_reflex_internal_init=True)
    portal = sub(root, PortalState)
    portal.portal_sid = token
    portal.device_zone = "Europe/Paris"  # the shell's question answered, as a browser does once per tab

    other = None
    if args.alternate:
        target, _, raw = args.alternate.partition(":")
        cls_name, handler = target.split(".")
        kwargs = json.loads(raw) if raw.startswith("{") else dict(p.split("=", 1) for p in raw.split(",") if "=" in p)
        other = (cls_name, handler, kwargs)

    timings: dict[str, list[float]] = {"open_page": [], "delta": [], "json": [], "alternate": []}
    sizes: list[int] = []

    async def flush(record: bool):
        delta_ms, json_ms, text = await delta_json(root)
        if record:
            timings["delta"].append(delta_ms)
            timings["json"].append(json_ms)
            sizes.append(len(text))

    open_route(root, path, params)

    async def one_round(record: bool):
        t0 = time.perf_counter()
        portal.open_page(path)
        if record:
            timings["open_page"].append((time.perf_counter() - t0) * 1000)
        await flush(record)
        if other:
            state = sub(root, _state_class(other[0]))
            t0 = time.perf_counter()
            getattr(state, other[1])(**other[2])
            if record:
                timings["alternate"].append((time.perf_counter() - t0) * 1000)
            await flush(False)

    async def run():
        for _ in range(10):
            await one_round(False)
        for _ in range(args.n):  # plain timings first
            await one_round(True)
        plain = {name: statistics.median(values) for name, values in timings.items() if values}
        for values in timings.values():
            values.clear()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.n):
            await one_round(True)
        profiler.disable()
        return plain, profiler

    plain, profiler = asyncio.run(run())
    for name, value in plain.items():
        print(f"{name:<10} p50 {value:.3f} ms")
    for name, values in timings.items():
        if values:
            print(f"{name:<10} p50 {statistics.median(values):.3f} ms  (n={len(values)}, under cProfile)")
    print(f"delta json p50 {statistics.median(sizes):.0f} bytes")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(*([args.filter] if args.filter else []), args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
