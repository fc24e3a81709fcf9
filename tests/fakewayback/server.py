"""The fake Wayback Machine: availability, CDX, Save Page Now 2 (save + status) and replay, from
one deterministic app on loopback, with the knobs of wayback-api.md §B4 and a request log.

Control it from tests with Python methods: ``load(scenario)``, ``set(**knobs)``,
``add_capture(url, capture)``, ``requests(endpoint)``, ``reset()``. ``start()`` serves from a
thread of its own; ``async with fake.serving()`` serves in the running event loop instead, so a
loop with simulated time (looptime) times the fake's jobs and the client alike.

Save Page Now knobs beyond wayback-api.md §B4 (fake conventions):

- ``spn_job_duration_s``: a job stays pending this many seconds (of the serving loop's clock)
  after its submission, then answers its result (``pending_polls`` still applies on top).
- ``spn_max_active``: at most this many jobs run at once; a submission past it is refused with
  ``error:user-session-limit``. ``peak_jobs`` is the most jobs that ever ran at once, and
  ``session_refusals`` counts the refusals.
- ``spn_results``: ``{url: "error:<status_ext>" | "success" | [one per submission, the last
  repeating]}``, the result of that URL's jobs.
- ``spn_daily_limit``: the account's captures a day; submissions past it are refused with
  ``error:too-many-daily-captures`` (how the account's quota answers is our assumption).
- ``spn_user_status``: ``GET /save/status/user`` answers this JSON when it is a dict, this HTTP
  status with no JSON when it is an int; by default ``{"available": cap - running,
  "processing": running}`` (cap: ``spn_max_active``, else 100), plus ``daily_captures`` and
  ``daily_captures_limit`` under ``spn_daily_limit``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, formatdate
from typing import Any
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit

from tests.fakehttp import LoopbackServer, Request, Response, serve_requests

BLOCK_HEADER = (
    "org.archive.util.io.RuntimeIOException: org.archive.wayback.exception."
    "AdministrativeAccessControlException: Blocked Site Error"
)
TOO_MANY = b"<html><body>Too Many Requests: no more than 15 per minute</body></html>"
_REPLAY = re.compile(r"^/web/(\d{0,14})(id_|if_|im_|js_|cs_)?/(.+)$")
_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")


def canonical(url: str) -> str:
    """Lowercase scheme and host, no www., no default port, http == https, '/' on an empty path."""
    parts = urlsplit(url if "://" in url else "http://" + url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    path = parts.path or "/"
    return f"{host}{port}{path}" + (f"?{parts.query}" if parts.query else "")


def surt(url: str) -> str:
    key = canonical(url)
    host, _, rest = key.partition("/")
    return ",".join(reversed(host.split("."))) + ")/" + rest


def pad(timestamp: str, latest: bool = False) -> str:
    return timestamp + ("99991231235959" if latest else "00000101000000")[len(timestamp) :] if timestamp else timestamp


def to_datetime(timestamp: str) -> datetime:
    return datetime.strptime(pad(timestamp), "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def to_timestamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S")


class FakeWayback:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._server = LoopbackServer(serve_requests(self._handle))
        self.reset()

    # -- life cycle and control ------------------------------------------------------------------

    def start(self) -> FakeWayback:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[FakeWayback]:
        """Serve in the running event loop (under looptime, in simulated time)."""
        async with self._server.serving():
            yield self

    @property
    def base(self) -> str:
        return self._server.base

    def settings(self) -> dict[str, str]:
        """The wayback.* settings that point linkkeeper at this fake."""
        return {
            "cdx_url": f"{self.base}/cdx/search/cdx",
            "availability_url": f"{self.base}/wayback/available",
            "replay_base": f"{self.base}/web/",
            "save_url": f"{self.base}/save",
        }

    def reset(self) -> None:
        with self._lock:
            self.now = "20260101000000"
            self.public_base = "http://web.archive.org/web/"
            self.captures: dict[str, list[dict[str, Any]]] = {}
            self.blocked: set[str] = set()
            self.knobs: dict[str, Any] = {"availability_only_2xx3xx": True, "spn_keys": {"testkey": "testsecret"}}
            self.jobs: dict[str, dict[str, Any]] = {}
            self.log: list[dict[str, Any]] = []
            self._counts: dict[str, int] = {}
            self._window: dict[str, list[float]] = {}
            self._sequence = 0
            self.peak_jobs = 0
            self.session_refusals = 0

    def load(self, scenario: dict[str, Any]) -> None:
        with self._lock:
            self.now = scenario.get("now", self.now)
            self.public_base = scenario.get("public_base", self.public_base)
            for url, captures in scenario.get("captures", {}).items():
                for capture in captures:
                    self._add(url, capture)
            self.blocked |= {canonical(url) for url in scenario.get("blocked", [])}
            self.knobs.update(scenario.get("knobs", {}))

    def set(self, **knobs: Any) -> None:
        with self._lock:
            self.knobs.update(knobs)

    def add_capture(self, url: str, capture: dict[str, Any]) -> None:
        with self._lock:
            self._add(url, capture)

    def _add(self, url: str, capture: dict[str, Any]) -> None:
        record = {"original": url, "mimetype": "text/html", **capture}
        record.setdefault("body", f"<html><title>{url}</title><body>{url} at {record['timestamp']}</body></html>")
        record["body"] = record["body"].encode() if isinstance(record["body"], str) else record["body"]
        record.setdefault("digest", hashlib.sha1(record["body"]).hexdigest().upper()[:32])
        entries = self.captures.setdefault(canonical(url), [])
        entries.append(record)
        entries.sort(key=lambda item: item["timestamp"])

    def requests(self, endpoint: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [entry for entry in self.log if endpoint is None or entry["endpoint"] == endpoint]

    # -- dispatch --------------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        parts = urlsplit(request.target)
        endpoint = self._endpoint(parts.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        form = dict(parse_qsl(request.body.decode("latin-1"))) if request.body else {}
        with self._lock:
            self.log.append(
                {"t": _now(), "endpoint": endpoint, "method": request.method, "path": parts.path,
                 "query": query, "form": form, "headers": dict(request.headers)}
            )  # fmt: skip
            limited = self._limited(endpoint)
            failure = self._server_error(endpoint) or self._malformed(endpoint)
            latency = self._knob(endpoint, "latency_ms")
        if latency:
            await asyncio.sleep(latency["ms"] / 1000)
        response = limited or failure or self._answer(endpoint, request, parts.path, parts.query, query, form)
        with self._lock:
            self.log[-1]["status"] = response.status
        return response

    def _answer(
        self,
        endpoint: str,
        request: Request,
        path: str,
        raw_query: str,
        query: dict[str, list[str]],
        form: dict[str, str],
    ) -> Response:
        with self._lock:
            if endpoint == "availability":
                return self._availability(query)
            if endpoint == "cdx":
                return self._cdx(query)
            if endpoint == "save":
                return self._save(request, form)
            if endpoint == "status" and path.rstrip("/") == "/save/status/user":
                return self._user_status(request)
            if endpoint == "status":
                return self._status(request, path.rsplit("/", 1)[-1])
            if endpoint == "replay":
                return self._replay(path + (f"?{raw_query}" if raw_query else ""))
        return Response(404, b"unknown endpoint")

    @staticmethod
    def _endpoint(path: str) -> str:
        if path.startswith("/wayback/available"):
            return "availability"
        if path.startswith(("/cdx/search/cdx", "/web/timemap/cdx", "/web/timemap/json")):
            return "cdx"
        if path.startswith("/save/status"):
            return "status"
        if path.startswith("/save"):
            return "save"
        return "replay" if path.startswith("/web/") else "other"

    def _knob(self, endpoint: str, name: str) -> dict[str, Any] | None:
        knob = self.knobs.get(name)
        if knob and knob.get("endpoint") in (endpoint, "all"):
            return dict(knob)
        return None

    def _limited(self, endpoint: str) -> Response | None:
        count = self._counts[endpoint] = self._counts.get(endpoint, 0) + 1
        limit = self._knob(endpoint, "rate_limit")
        if limit and limit["after"] < count <= limit["after"] + limit["for_requests"]:
            return self._too_many(endpoint, limit.get("retry_after"))
        window = self._knob(endpoint, "rate_window")
        if window:
            now = _now()
            starts = [t for t in self._window.get(endpoint, []) if now - t < window["per_s"]]
            starts.append(now)
            self._window[endpoint] = starts
            if len(starts) > window["max"]:
                return self._too_many(endpoint, None)
        return None

    def _too_many(self, endpoint: str, retry_after: Any) -> Response:
        headers = {}
        if retry_after == "http-date":
            headers["Retry-After"] = formatdate(time.time() + 2, usegmt=True)
        elif retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        body = TOO_MANY if endpoint in ("save", "status") else b"Too Many Requests"
        return Response(429, body, headers)

    def _server_error(self, endpoint: str) -> Response | None:
        knob = self._knob(endpoint, "server_error")
        if not knob or knob.get("times", 0) <= 0:
            return None
        self.knobs["server_error"]["times"] -= 1
        return Response(knob.get("status", 503), b"Service Unavailable")

    def _malformed(self, endpoint: str) -> Response | None:
        """``knobs.malformed = {"endpoint": …, "body": …}``: a 200 whose body is that text (JSON of a
        shape the real service never sends), for the client's robustness tests."""
        knob = self._knob(endpoint, "malformed")
        return None if knob is None else Response(200, str(knob["body"]).encode(), {"Content-Type": "application/json"})

    # -- availability and CDX --------------------------------------------------------------------

    def _availability(self, query: dict[str, list[str]]) -> Response:
        if "url" not in query:
            return Response(400, b'{"error": "missing url"}')
        url = query["url"][0]
        answer: dict[str, Any] = {"url": url, "archived_snapshots": {}}
        flaky = self.knobs.get("availability_flaky", {})
        served = self._counts.get("availability", 0)
        captures = [c for c in self.captures.get(canonical(url), []) if not c.get("revisit")]
        if self.knobs.get("availability_only_2xx3xx"):
            captures = [c for c in captures if 200 <= c["status"] < 400]
        if captures and served > flaky.get("empty_first", 0):
            wanted = query.get("timestamp", [""])[0]
            target = pad(wanted) if wanted else captures[-1]["timestamp"]
            best = min(captures, key=lambda c: (abs(int(c["timestamp"]) - int(target)), c["timestamp"]))
            answer["archived_snapshots"] = {
                "closest": {"status": str(best["status"]), "available": True, "timestamp": best["timestamp"],
                            "url": f"{self.public_base}{best['timestamp']}/{best['original']}"}
            }  # fmt: skip
        return Response(200, json.dumps(answer).encode(), {"Content-Type": "application/json"})

    def _cdx(self, query: dict[str, list[str]]) -> Response:
        url = query.get("url", [""])[0]
        key = canonical(url)
        if key in self.blocked:
            return Response(403, BLOCK_HEADER.encode(), {"X-Archive-Wayback-Runtime-Error": BLOCK_HEADER})
        rows = [self._row(capture) for capture in self.captures.get(key, [])]
        low, high = pad(query.get("from", [""])[0]), pad(query.get("to", [""])[0], latest=True)
        rows = [row for row in rows if (not low or row["timestamp"] >= low) and (not high or row["timestamp"] <= high)]
        for spec in query.get("filter", []):
            negate = spec.startswith("!")
            field, _, pattern = spec.lstrip("!").partition(":")
            if field not in _FIELDS:
                return Response(400, f"bad filter field {field}".encode())
            rows = [row for row in rows if bool(re.fullmatch(pattern, row[field])) != negate]
        if query.get("sort", [""])[0] == "closest" and query.get("closest"):
            target = int(pad(query["closest"][0]))
            rows.sort(key=lambda row: (abs(int(row["timestamp"]) - target), row["timestamp"]))
        elif query.get("sort", [""])[0] == "reverse":
            rows.reverse()
        limit = int(query.get("limit", ["0"])[0] or 0)
        rows = rows[:limit] if limit > 0 else rows[limit:] if limit < 0 else rows
        fields = query.get("fl", [",".join(_FIELDS)])[0].split(",")
        table = [[row[field] for field in fields] for row in rows]
        if query.get("output", [""])[0] == "json":
            body = json.dumps([fields, *table] if table else []).encode()
            return Response(200, body, {"Content-Type": "application/json"})
        return Response(200, "".join(" ".join(line) + "\n" for line in table).encode(), {"Content-Type": "text/plain"})

    def _row(self, capture: dict[str, Any]) -> dict[str, str]:
        revisit = capture.get("revisit")
        return {
            "urlkey": surt(capture["original"]),
            "timestamp": capture["timestamp"],
            "original": capture["original"],
            "mimetype": "warc/revisit" if revisit else capture["mimetype"],
            "statuscode": "-" if revisit else str(capture["status"]),
            "digest": capture["digest"],
            "length": str(len(capture["body"])),
        }

    # -- Save Page Now 2 ---------------------------------------------------------------------------

    def _authorised(self, request: Request) -> bool:
        if self.knobs.get("spn_allow_anonymous"):
            return True
        match = re.fullmatch(r"LOW ([^:]+):(.+)", request.headers.get("authorization", ""))
        return bool(match) and self.knobs["spn_keys"].get(match.group(1)) == match.group(2)

    def _save(self, request: Request, form: dict[str, str]) -> Response:
        if not self._authorised(request):
            return Response(401, b"You need to be logged in to use Save Page Now.", {"Content-Type": "text/html"})
        url = form.get("url")
        if not url:
            return _json({"status": "error", "status_ext": "error:invalid-url-syntax", "message": "Missing url"}, 400)
        submit_error = self.knobs.get("spn_submit_error")
        if submit_error:
            self.knobs["spn_submit_error"] = None if self.knobs.get("spn_submit_error_once") else submit_error
            return _json({"status": "error", "status_ext": submit_error, "message": "submit refused"})
        now = _now()
        running = self._running(now)
        cap = self.knobs.get("spn_max_active")
        if cap is not None and running >= cap:
            self.session_refusals += 1
            message = "You have already reached the limit of active sessions."
            return _json({"status": "error", "status_ext": "error:user-session-limit", "message": message})
        daily = self.knobs.get("spn_daily_limit")
        if daily is not None and len(self.jobs) >= daily:
            message = f"You cannot make more than {daily} captures per day."
            return _json({"status": "error", "status_ext": "error:too-many-daily-captures", "message": message})
        self._sequence += 1
        job_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{url}#{self._sequence}"))
        plan = dict(self.knobs.get("spn_job") or {})
        if plan.get("url") not in (None, url):
            plan = {}
        results = self.knobs.get("spn_results", {})
        planned = results.get(url, results.get(canonical(url)))
        if planned is not None:
            earlier = sum(1 for job in self.jobs.values() if canonical(job["url"]) == canonical(url))
            plan["result"] = planned if isinstance(planned, str) else planned[min(earlier, len(planned) - 1)]
        ends = now + float(self.knobs.get("spn_job_duration_s") or 0)
        self.jobs[job_id] = {"url": url, "polls": 0, "form": form, "started": now, "ends": ends, **plan}
        self.peak_jobs = max(self.peak_jobs, running + 1)
        return _json({"url": url, "job_id": job_id})

    def _running(self, now: float) -> int:
        """Jobs still capturing: before their end time, or not yet polled past ``pending_polls``."""
        return sum(
            1
            for job in self.jobs.values()
            if "answered" not in job and (now < job["ends"] or job["polls"] < job.get("pending_polls", 0))
        )

    def _user_status(self, request: Request) -> Response:
        if not self._authorised(request):
            return Response(401, b"You need to be logged in to use Save Page Now.")
        fixed = self.knobs.get("spn_user_status")
        if isinstance(fixed, int):
            return Response(fixed, b"Service Unavailable" if fixed >= 500 else b"Not Found")
        if isinstance(fixed, dict):
            return _json(fixed)
        running = self._running(_now())
        cap = self.knobs.get("spn_max_active")
        answer = {"available": max((100 if cap is None else cap) - running, 0), "processing": running}
        if self.knobs.get("spn_daily_limit") is not None:
            answer |= {"daily_captures": len(self.jobs), "daily_captures_limit": self.knobs["spn_daily_limit"]}
        return _json(answer)

    def _status(self, request: Request, job_id: str) -> Response:
        if not self._authorised(request):
            return Response(401, b"You need to be logged in to use Save Page Now.")
        job = self.jobs.get(job_id)
        if job is None:
            return _json({"status": "error", "status_ext": "error:job-not-found", "message": "Job not found"}, 404)
        job["polls"] += 1
        if job["polls"] <= job.get("pending_polls", 0) or _now() < job.get("ends", 0.0):
            return _json({"status": "pending", "job_id": job_id, "resources": [job["url"]]})
        job["answered"] = True
        result = job.get("result", "success")
        if result != "success":
            return _json(
                {"status": "error", "job_id": job_id, "status_ext": result, "message": result, "resources": []}
            )
        if "final" not in job:
            stamp = job.get("timestamp") or to_timestamp(to_datetime(self.now) + timedelta(seconds=job["polls"]))
            live = self.knobs.get("live_status", {}).get(job["url"], 200)
            self._add(job["url"], {"timestamp": stamp, "status": live})
            job["final"] = stamp
        answer = {"status": "success", "job_id": job_id, "original_url": job["url"], "timestamp": job["final"],
                  "duration_sec": 1.5, "resources": [job["url"]], "outlinks": [], "first_archive": False}  # fmt: skip
        return _json(answer)

    # -- replay ----------------------------------------------------------------------------------

    def _replay(self, path: str) -> Response:
        match = _REPLAY.match(path)
        if match is None:
            return Response(404, b"bad replay path")
        timestamp, mode, original = match.group(1), match.group(2) or "", unquote(match.group(3))
        original = re.sub(r"^(https?):/(?!/)", r"\1://", original)
        key = canonical(original)
        if key in self.blocked:
            return Response(403, BLOCK_HEADER.encode(), {"X-Archive-Wayback-Runtime-Error": BLOCK_HEADER})
        captures = self.captures.get(key, [])
        if not captures:
            return Response(404, b"Wayback Machine doesn't have that page archived.", {"Content-Type": "text/html"})
        exact = next((c for c in captures if c["timestamp"] == timestamp), None)
        if exact is None:
            target = int(pad(timestamp)) if timestamp else int(captures[-1]["timestamp"])
            pool = [c for c in captures if c["status"] < 400] or captures
            best = min(pool, key=lambda c: (abs(int(c["timestamp"]) - target), c["timestamp"]))
            location = f"{self.base}/web/{best['timestamp']}{mode}/{best['original']}"
            return Response(
                302, b"", {"Location": location, "X-Archive-Redirect-Reason": f"found capture at {best['timestamp']}"}
            )
        headers = {
            "Memento-Datetime": format_datetime(to_datetime(exact["timestamp"]), usegmt=True),
            "X-Archive-Src": f"fake-{exact['timestamp']}.warc.gz",
            "x-ts": str(exact["status"]),
            "Content-Type": exact["mimetype"],
        }
        if 300 <= exact["status"] < 400:
            headers["Location"] = f"{self.base}/web/{exact['timestamp']}{mode}/{exact.get('location', '')}"
            return Response(exact["status"], b"", headers)
        if "encoding" in exact:  # the capture's bytes as stored, compressed (a capture may be hostile)
            headers["Content-Encoding"] = exact["encoding"]
            return Response(exact["status"], exact["body"], headers)
        body = exact["body"] if mode == "id_" else b"<!-- FAKE TOOLBAR -->" + exact["body"]
        return Response(exact["status"], body, headers)


def _now() -> float:
    """The serving loop's clock: real time in the server's thread, simulated time under looptime."""
    return asyncio.get_running_loop().time()


def _json(document: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(document).encode(), {"Content-Type": "application/json"})
