"""The app driven in-process (Streamlit's AppTest) with every SQL statement counted: shared by the benchmark and
the statement budget test, so both measure the same page runs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, event
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from qms import demo

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 120
CHECKED_KEY = "_session_checked_at"  # qms.ui.session: cleared so every run pays its session check


def _router_always_runs() -> None:
    """AppTest re-detects pages/ before every run; switch the v1 path off again, as the server does."""
    if getattr(PagesManager, "_qms_patched", False):
        return
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False
    PagesManager.__init__ = init
    PagesManager._qms_patched = True


class Counter:
    """Counts the statements an engine runs while `counting` is open (any thread: AppTest runs pages in one)."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.count, self.statements, self.seconds, self._on = engine, 0, [], 0.0, False
        self._started: dict[int, float] = {}
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, _conn, cursor, statement, *_args) -> None:
        if self._on:
            self.count += 1
            self._started[id(cursor)] = time.perf_counter()

    def _after(self, _conn, cursor, statement, *_args) -> None:
        started = self._started.pop(id(cursor), None)
        if started is not None:
            took = time.perf_counter() - started
            self.seconds += took
            self.statements.append((took, statement))

    @contextmanager
    def counting(self) -> Iterator[Counter]:
        self.count, self.statements, self.seconds, self._on = 0, [], 0.0, True
        try:
            yield self
        finally:
            self._on = False

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def signed_in(username: str, lang: str = "vi", password: str = demo.DEMO_PASSWORD) -> AppTest:
    """The app with `username` signed in through the real sign-in form, on the home page."""
    _router_always_runs()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"], at.session_state["lang_chosen"] = lang, True
    at.run()
    at.text_input(key="signin_username").input(username)
    at.text_input(key="signin_password").input(password)
    at.button[0].click().run()
    if "user" not in at.session_state:
        raise RuntimeError(f"{username} could not sign in")
    return at.run()


def full_run(at: AppTest, counter: Counter) -> tuple[float, int]:
    """One run of the page on screen as a fresh interaction: (milliseconds, statements)."""
    at.session_state[CHECKED_KEY] = -1e9  # the session check is remembered 2 s; a person's next click pays it
    with counter.counting():
        started = time.perf_counter()
        at.run()
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, counter.count


def component(at: AppTest, key: str):
    """The custom component drawn with this key on the last run."""
    found = [e for e in at._tree.get("bidi_component") if getattr(e.proto, "id", "").endswith(key)]
    if not found:
        raise LookupError(f"no component {key!r} on screen")
    return found[0]


def trigger(at: AppTest, key: str, event_name: str, value) -> AppTest:
    """Send a component's trigger as the browser does (one WidgetState holding the event list), then run."""
    from streamlit.components.v2.bidi_component.main import _make_trigger_id
    states = at._tree.get_widget_states()
    state = WidgetStates().widgets.add()
    state.id = _make_trigger_id(component(at, key).proto.id, "events")
    state.json_trigger_value = json.dumps([{"event": event_name, "value": value}])
    merged = WidgetStates()
    merged.widgets.extend([*states.widgets, state])
    return at._run(merged)
