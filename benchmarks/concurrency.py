"""Many auditors saving answers at once, through the real server: each session signs in by the app's own cookie
route, opens audit day over Streamlit's websocket as the browser does, and sends its answers as the answer
component sends them (a trigger that reruns the walk's fragment). The auto-refresh the page asks for is
honoured too. Afterwards the database is read back: every acknowledged answer must be there as it was sent.

    python -m benchmarks.concurrency --url DB_URL [--sessions 20] [--seconds 60] [--json out.json]

Prints the save latency of one session alone and of all sessions together at an auditor's pace (a save every
3-8 s each, random), errors and answers lost, then the saturation throughput (saves per second, no pause).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_PASSWORD = "bench-auditor-2026"
TIMEOUT = 60.0


@dataclass
class Seat:
    """One auditor's session: who, which audited unit, which questions they answer."""
    user_id: int
    audit_unit_id: int
    items: list[tuple[int, str]]  # (item id, question key) in checklist order
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    acked: dict[int, str] = field(default_factory=dict)  # item id -> the evidence the server acknowledged
    shown: dict[int, str] = field(default_factory=dict)  # item id -> the evidence as the screen last showed it
    refreshes: int = 0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))] if ordered else 0.0


def prepare(url: str, sessions: int) -> list[Seat]:
    """Auditors bench01… on units of an open benchmark audit of this year (made once, then reused)."""
    from qms import checklists, clock, db, planning, responses, users
    from qms.models import Audit, AuditProgramme, AuditUnit, Role, Unit, User
    engine = db.get_engine(url)
    year = clock.today().year
    with Session(engine) as s:
        ids = []
        for n in range(1, sessions + 1):
            name = f"bench{n:02d}"
            found = s.exec(select(User.id).where(User.username == name)).first()
            ids.append(found if found is not None else users.create_user(
                s, None, name, f"Chuyên gia thử tải {n}", BENCH_PASSWORD, [Role.auditor]))
        title = f"Thử tải đồng thời {year}"
        audit = s.exec(select(Audit).join(AuditProgramme, AuditProgramme.id == Audit.programme_id)
                       .where(Audit.title == title, AuditProgramme.year == year)).first()
        if audit is None:
            if s.exec(select(AuditProgramme).where(AuditProgramme.year == year)).first() is None:
                planning.create_programme(s, None, year, "")
            checklist = checklists.latest(s, "tcvn-iso-9001-2015").id
            audit_id = planning.create_audit(s, None, year, title, checklist, clock.today(),
                                             clock.today() + timedelta(days=30), None, ids)
            unit_ids = s.exec(select(Unit.id).where(Unit.active).order_by(Unit.code).limit(sessions)).all()
            for n, user_id in enumerate(ids):
                planning.plan_unit(s, None, audit_id, unit_ids[n % len(unit_ids)], clock.today(), [user_id])
            audit = s.get(Audit, audit_id)
        planned = s.exec(select(AuditUnit.id).join(Unit, Unit.id == AuditUnit.unit_id)
                         .where(AuditUnit.audit_id == audit.id).order_by(Unit.code)).all()
        seats = []
        for n, user_id in enumerate(ids):
            au = planned[n % len(planned)]
            rows = responses.sheet(s, au)
            share = rows[(n // len(planned)) * 60:] or rows  # two auditors on one unit answer different questions
            seats.append(Seat(user_id, au, [(r["id"], r["item_key"]) for r in share]))
    return seats


class Server:
    """`python -m qms serve` on a free port, on the given database."""

    def __init__(self, url: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = {**os.environ, "QMS_DATABASE_URL": url, "QMS_LOG_LEVEL": "WARNING"}
        self.process = subprocess.Popen([sys.executable, "-m", "qms", "serve", "--port", str(self.port)], cwd=ROOT, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.base}/_stcore/health", timeout=2)
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited: {self.process.stderr.read()[-2000:]}")
                time.sleep(0.3)
        raise RuntimeError("server did not start")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def peak_mb(self) -> float:
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
        except OSError:
            pass
        return 0.0

    def stop(self) -> str:
        self.process.terminate()
        try:
            _out, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _out, err = self.process.communicate()
        return err or ""


def cookie_for(url: str, server: Server, user_id: int) -> str:
    """Sign in by the app's own route: a one-use ticket redeemed for the session cookie."""
    from qms import auth, db
    with Session(db.get_engine(url)) as s:
        ticket = auth.issue_ticket(s, user_id)
        s.commit()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(f"{server.base}/auth/session?ticket={ticket}", timeout=10)
    except urllib.error.HTTPError as redirect:  # 303 to the app, with the cookie
        header = redirect.headers.get("set-cookie", "")
        return header.split(";", 1)[0]
    raise RuntimeError("no session cookie")


class Client:
    """One browser tab on audit day, spoken to in Streamlit's websocket protocol."""

    def __init__(self, server: Server, seat: Seat, cookie: str) -> None:
        self.server, self.seat, self.cookie = server, seat, cookie
        self.query = f"unit={seat.audit_unit_id}&q={seat.items[0][1]}"
        self.component_id = self.trigger_id = self.fragment_id = None
        self.acks: dict = {}
        self.refresh_every: float | None = None

    async def __aenter__(self) -> Client:
        from websockets.asyncio.client import connect
        self.ws = await connect(f"ws://127.0.0.1:{self.server.port}/_stcore/stream", subprotocols=["streamlit"],
                                additional_headers={"Cookie": self.cookie}, origin=self.server.base,
                                max_size=None, open_timeout=TIMEOUT)
        await self.run()
        if self.trigger_id is None:
            raise RuntimeError("audit day did not draw the answer component")
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()

    async def run(self, widgets=(), fragment_id: str | None = None, auto: bool = False) -> str:
        """Ask for a rerun and read until it finishes; returns how it finished."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string, state.page_name, state.is_auto_rerun = self.query, "audit_day", auto
        if fragment_id:
            state.fragment_id = fragment_id
        state.widget_states.widgets.extend(widgets)
        await self.ws.send(msg.SerializeToString())
        while True:
            status = self._read(await asyncio.wait_for(self.ws.recv(), TIMEOUT))
            if status is not None:
                return status

    def _read(self, raw: bytes) -> str | None:
        from streamlit.components.v2.bidi_component.main import _make_trigger_id
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        if kind == "script_finished":
            return ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
        if kind == "auto_rerun":
            self.refresh_every = msg.auto_rerun.interval
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            which = element.WhichOneof("type")
            if which == "bidi_component" and element.bidi_component.id.endswith("answer_box"):
                self.component_id = element.bidi_component.id
                self.trigger_id = _make_trigger_id(element.bidi_component.id, "events")
                self.fragment_id = msg.delta.fragment_id or None
                self.acks = json.loads(element.bidi_component.json).get("acks") or {}
            elif which == "exception":
                self.seat.errors.append(f"exception: {element.exception.message[:200]}")
            elif which == "alert" and element.alert.format == element.alert.ERROR:
                self.seat.errors.append(f"error shown: {element.alert.body[:200]}")
        return None

    async def save(self, item_id: int, text: str, base: str) -> None:
        from streamlit.proto.WidgetStates_pb2 import WidgetState
        nonce = uuid.uuid4().hex
        draft = {"au": self.seat.audit_unit_id, "item": item_id, "field": "evidence", "text": text, "base": base,
                 "nonce": nonce, "sent": []}
        widget = WidgetState(id=self.trigger_id,
                             json_trigger_value=json.dumps([{"event": "save", "value": {"drafts": [draft]}}]))
        # The browser sends the component's (empty) state beside its trigger, as every mounted widget's value.
        state = WidgetState(id=self.component_id, json_value="{}")
        started = time.perf_counter()
        status = await self.run([state, widget], self.fragment_id)
        self.seat.latencies.append((time.perf_counter() - started) * 1000)
        if status not in ("FINISHED_SUCCESSFULLY", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"):
            self.seat.errors.append(f"run ended {status}")
        elif self.acks.get(nonce) != "ok":
            self.seat.errors.append(f"answer not acknowledged: {self.acks.get(nonce)}")
        else:
            self.seat.acked[item_id] = self.seat.shown[item_id] = text

    async def refresh(self) -> None:
        await self.run(fragment_id=self.fragment_id, auto=True)
        self.seat.refreshes += 1


async def auditor(server: Server, seat: Seat, cookie: str, seconds: float, pace: tuple[float, float] | None,
                  rng: random.Random, label: str) -> None:
    """Answer question after question for `seconds`; between saves the page refreshes as often as it asks."""
    try:
        async with Client(server, seat, cookie) as client:
            stop = time.monotonic() + seconds
            next_refresh = time.monotonic() + (client.refresh_every or 5.0)
            n = 0
            while time.monotonic() < stop:
                if pace is not None:
                    wake = time.monotonic() + rng.uniform(*pace)
                    while time.monotonic() < wake:
                        if time.monotonic() >= next_refresh:
                            await client.refresh()
                            next_refresh = time.monotonic() + (client.refresh_every or 5.0)
                        await asyncio.sleep(min(0.2, max(0.0, wake - time.monotonic())))
                item_id = seat.items[n % len(seat.items)][0]
                await client.save(item_id, f"{label} {n}: đã xem hồ sơ", seat.shown.get(item_id, ""))
                n += 1
    except Exception as exc:  # a dropped socket, a timeout: counted, never hidden
        seat.errors.append(f"{type(exc).__name__}: {exc}"[:300])


def lost(url: str, seats: list[Seat]) -> int:
    """Acknowledged answers the database does not hold as they were sent."""
    missing = 0
    for seat in seats:
        stored = _stored(url, seat)
        missing += sum(1 for item, text in seat.acked.items() if stored.get(item) != text)
    return missing


def _stored(url: str, seat: Seat) -> dict[int, str]:
    from qms import db
    from qms.models import Response
    with Session(db.get_engine(url)) as s:
        return dict(s.exec(select(Response.item_id, Response.evidence)
                           .where(Response.audit_unit_id == seat.audit_unit_id)).all())


def wave(url: str, server: Server, seats: list[Seat], seconds: float, pace, label: str) -> dict:
    for seat in seats:
        seat.latencies, seat.errors, seat.acked, seat.refreshes = [], [], {}, 0
        seat.shown = _stored(url, seat)  # what the page shows when it opens
    cookies = [cookie_for(url, server, seat.user_id) for seat in seats]
    rng = random.Random(2026)

    async def everyone() -> None:
        await asyncio.gather(*(auditor(server, seat, cookie, seconds, pace, random.Random(rng.random()),
                                       f"{label} {n}") for n, (seat, cookie) in enumerate(zip(seats, cookies))))
    started = time.perf_counter()
    asyncio.run(everyone())
    elapsed = time.perf_counter() - started
    times = [ms for seat in seats for ms in seat.latencies]
    return {"sessions": len(seats), "saves": len(times), "refreshes": sum(s.refreshes for s in seats),
            "p50_ms": round(statistics.median(times), 1) if times else None,
            "p95_ms": round(percentile(times, 0.95), 1) if times else None,
            "saves_per_second": round(len(times) / elapsed, 2),
            "errors": sum(len(s.errors) for s in seats), "error_samples": [e for s in seats for e in s.errors][:5],
            "lost": lost(url, seats)}


def measure(url: str, sessions: int, seconds: float, saturation_seconds: float) -> dict:
    seats = prepare(url, sessions)
    server = Server(url)
    try:
        single = wave(url, server, seats[:1], seconds, (3.0, 8.0), "một")
        together = wave(url, server, seats, seconds, (3.0, 8.0), "cùng")
        saturation = wave(url, server, seats, saturation_seconds, None, "dồn")
        saturation_single = wave(url, server, seats[:1], saturation_seconds, None, "dồn-một")
        peak = server.peak_mb()
    finally:
        log = server.stop()
    crashes = [line for line in log.splitlines() if " ERROR " in line]
    return {"single": single, "together": together, "saturation": saturation, "saturation_single": saturation_single,
            "server_peak_mb": peak, "server_errors": len(crashes), "server_error_samples": crashes[:3]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--saturation-seconds", type=float, default=20)
    parser.add_argument("--json")
    args = parser.parse_args()
    os.environ["QMS_DATABASE_URL"] = args.url
    os.environ.setdefault("QMS_LOG_LEVEL", "WARNING")
    result = measure(args.url, args.sessions, args.seconds, args.saturation_seconds)
    text = json.dumps(result, indent=1)
    if args.json:
        Path(args.json).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
