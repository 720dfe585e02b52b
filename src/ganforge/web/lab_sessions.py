"""Every open Lab session by id, and the ONE worker thread that trains the playing ones in turn.

Each playing session trains for a slice of a few milliseconds, then the next one does, so several
tabs train at once and the server stays responsive: a poll never waits for more than one slice
(the slice ends early when a request is waiting), and a playing session's frame is made by the
worker between slices, so polls just read it. Sessions nobody polls pause, and are dropped when
idle for long; there is a cap on how many exist at once. The worker is supervised: an unexpected
error in a session is shown in its frame (three in a row pause it), a bug in the loop restarts it,
and a dead thread is started again by the next create or play.
"""
from __future__ import annotations

import logging
import secrets
import threading
import time
from typing import Any, Dict, Optional

from ganforge.errors import GanforgeError
from ganforge.web.lab import FRAME_EVERY_S, LabSession, parse_config

BUSY = 0.7  # the share of wall time the worker thread may train
MAX_FAILURES = 3  # unexpected errors in a row after which a session is paused
log = logging.getLogger("ganforge.studio")


class LabSessions:
    """Every open Lab by id, and the one worker thread that trains the playing ones in turn."""

    def __init__(self, max_sessions: int = 32, pause_after_s: float = 30.0, drop_after_s: float = 900.0,
                 slice_s: float = 0.02):
        self.max_sessions, self.pause_after_s, self.drop_after_s = max_sessions, pause_after_s, drop_after_s
        self.slice_s = slice_s
        self._sessions: Dict[str, LabSession] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def create(self, data: Dict[str, Any]) -> LabSession:
        cfg = parse_config(data)
        with self._lock:
            self._expire()
            if len(self._sessions) >= self.max_sessions:
                raise TooManyLabs(f"{len(self._sessions)} labs are open, the most this studio runs at once; "
                                  "close some Lab tabs and try again")
            session = LabSession(secrets.token_urlsafe(9), cfg)
            self._sessions[session.id] = session
        self.start()
        return session

    def get(self, session_id: str) -> LabSession:
        session = self._sessions.get(session_id)
        if session is None:
            raise KeyError(session_id)
        session.last_seen = time.monotonic()
        return session

    def remove(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def __len__(self) -> int:
        return len(self._sessions)

    def set_playing(self, session: LabSession, playing: bool) -> None:
        session.set_state(playing=playing)
        if playing:
            self.start()
            self._wake.set()

    def _expire(self) -> None:
        now = time.monotonic()
        for sid, s in list(self._sessions.items()):
            if now - s.last_seen > self.drop_after_s:
                del self._sessions[sid]
            elif s.playing and now - s.last_seen > self.pause_after_s:
                s.set_state(playing=False)

    # ------------------------------------------------------------------ the worker thread
    def start(self) -> None:
        """Start the worker thread, or start it again if it died (every Lab request calls this)."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._supervise, name="ganforge-lab", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _supervise(self) -> None:
        """Run the worker loop; a bug in it is logged and the loop starts again, so the Lab never stops."""
        while not self._stop.is_set():
            try:
                self._run()
            except Exception:  # noqa: BLE001 - logged; the loop goes on for every other session
                log.exception("the Lab worker failed; restarting it")
                time.sleep(0.1)

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                self._expire()
                playing = [s for s in self._sessions.values() if s.playing]
            if not playing:
                self._wake.wait(0.2)
                self._wake.clear()
                continue
            started = time.monotonic()
            for session in playing:
                self._slice(session)
            # rest in proportion, so that requests always get CPU and the GIL (training uses BUSY of the time)
            rest = (time.monotonic() - started) * (1 - BUSY) / BUSY
            time.sleep(max(rest, 0.01 if all(s.slow for s in playing) else 0.001))

    def _slice(self, session: LabSession) -> None:
        """One session's training slice and, when a poll wants one, its next frame; an error shows in the frame."""
        try:
            session.advance(self.slice_s)
            # the page polls about 10 times a second: its next frame is made here, between slices
            if session.frame_wanted and time.monotonic() - session.snapshot_time() > FRAME_EVERY_S:
                session.snapshot()
            session.failures = 0
        except GanforgeError as exc:
            session.report(str(exc))
        except Exception as exc:  # noqa: BLE001 - a bug: shown in the page; a session failing again and again pauses
            log.exception("Lab session %s failed", session.id)
            session.failures += 1
            first = (str(exc).splitlines() or [""])[0][:200]
            session.report(f"internal error in the Lab ({type(exc).__name__}: {first}); "
                           + ("training paused, press Reset" if session.failures >= MAX_FAILURES
                              else "training goes on"), pause=session.failures >= MAX_FAILURES)


class TooManyLabs(GanforgeError):
    """The studio already runs its maximum number of Lab sessions."""
