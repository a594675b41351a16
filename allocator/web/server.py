"""The web app (Starlette, Jinja2 templates, the package's own script and style) and the
safety rules every request passes: the Host header is the address served (against DNS
rebinding), a token when the server listens beyond this machine, and a same-origin check
on every POST. Pages draw instance text as escaped text only."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hmac
import json
import math
import secrets
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from allocator import (
    InputError,
    Lang,
    input_limit,
    input_too_large,
    shipped_examples,
)
from allocator import (
    number as format_number,
)
from allocator.web import editing, view
from allocator.web.days import KINDS, Days, NotADraft, NotValid, input_issue
from allocator.web.jobs import Job
from allocator.web.store import NotFound, Store
from allocator.web.words import choose_lang, words

HERE = Path(__file__).resolve().parent
TOKEN_COOKIE = "allocator_token"
LANG_COOKIE = "allocator_lang"
TICK = 0.5
"""Seconds between two progress events (the page wants one at least every second)."""
MAX_EDIT_BYTES = 64 * 1024
"""An edit, a lock or a solve request is a few hundred bytes."""
LOOPBACK = ("127.0.0.1", "localhost", "::1")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class Refused(Exception):
    """A request answered with `status` and a JSON error (a message, the fields' issues)."""

    def __init__(self, status: int, message: str, issues: list[Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.issues = status, message, issues or []


def served_hosts(host: str, port: int) -> set[str]:
    """The Host headers a browser sends for the address served."""
    names = {host}
    if host in LOOPBACK:
        names |= set(LOOPBACK) - {"::1"}
    elif host in ("0.0.0.0", "::", ""):
        names = {"127.0.0.1", "localhost", socket.gethostname(), socket.getfqdn()}
        with contextlib.suppress(OSError):
            names |= {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
    shown = {f"[{n}]" if ":" in n else n for n in names}
    return {f"{n}:{port}" for n in shown} | (shown if port == 80 else set())


def create_app(
    data_dir: Path, host: str = "127.0.0.1", port: int = 8000, token: str | None = None
) -> Starlette:
    """The app serving the days under `data_dir` at `host:port`; `token`, when given, must
    come with every request (in the URL once, then in a cookie)."""
    days = Days(Store(data_dir))
    pages = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    allowed = served_hosts(host, port)

    def render(request: Request, template: str, **values: Any) -> Response:
        lang = request.state.lang
        text = pages.get_template(template).render(
            said=words(lang),
            lang=lang,
            queue=queue_lines(days, lang),
            **values,
        )
        return HTMLResponse(text)

    async def home(request: Request) -> Response:
        return render(
            request, "home.html", days=days.store.days(), examples=sorted(shipped_examples())
        )

    async def upload(request: Request) -> Response:
        name = request.query_params.get("name", "upload.json")
        data = await _body(request, input_limit(), name)
        groups = _count(request.query_params.get("groups"), "groups")
        rounds = _count(request.query_params.get("rounds"), "rounds")
        try:
            day = await asyncio.to_thread(
                days.upload, name, data, groups, rounds, request.state.lang
            )
        except InputError as exc:
            raise _input_refused(f"{name}: cannot make a day of this file", exc) from None
        return JSONResponse({"day": day, "url": f"/days/{day}"}, 201)

    async def example(request: Request) -> Response:
        form = await _json(request)
        day = days.from_example(str(form.get("name", "")))
        return JSONResponse({"day": day, "url": f"/days/{day}"}, 201)

    async def duplicate(request: Request) -> Response:
        day = request.path_params["day"]
        info = days.store.info(day)
        copy = days.store.duplicate(day, f"{info.get('title', '')} (2)")
        return JSONResponse({"day": copy, "url": f"/days/{copy}"}, 201)

    async def delete_day(request: Request) -> Response:
        day = request.path_params["day"]
        stopped = await asyncio.to_thread(days.delete, day)
        return JSONResponse({"deleted": day, "stopped": [job.id for job in stopped]})

    async def delete_draft(request: Request) -> Response:
        day, number = request.path_params["day"], request.path_params["number"]
        try:
            await asyncio.to_thread(days.delete_draft, day, number)
        except NotADraft:
            raise Refused(409, words(request.state.lang)["not_a_draft"]) from None
        return JSONResponse({"deleted": number})

    async def day_page(request: Request) -> Response:
        day = request.path_params["day"]
        instance = days.store.instance(day)
        plans = [
            {"number": n, **_summary(days.store.plan(day, n), request.state.lang)}
            for n in days.store.plan_numbers(day)
        ]
        running = [job for job in days.queue.jobs.values() if job.day == day and not job.finished]
        return render(
            request,
            "day.html",
            day=days.store.info(day),
            instance_text=json.dumps(instance, ensure_ascii=False, indent=2),
            people=len(instance.get("participants", [])),
            plans=plans,
            job=running[-1].id if running else "",
            said_json=_script_json(words(request.state.lang)),
        )

    async def save_instance(request: Request) -> Response:
        day = request.path_params["day"]
        days.store.folder(day)
        text = await _body(request, input_limit(), "instance.json")
        try:
            await asyncio.to_thread(_save, days, day, text)
        except InputError as exc:
            raise _input_refused("the day was not saved: the instance is not valid", exc) from None
        return JSONResponse({"saved": True})

    async def solve(request: Request) -> Response:
        day = request.path_params["day"]
        form = await _json(request)
        kind = form.get("kind", "solve")
        if kind not in KINDS:
            raise Refused(400, f"kind: not one of {', '.join(KINDS)}")
        base = form.get("plan")
        if kind != "solve" and not isinstance(base, int):
            raise Refused(400, "plan: the number of the plan to start from")
        limit = _seconds(form.get("time_limit", 30))
        job = await asyncio.to_thread(days.solve, day, kind, limit, base)
        return JSONResponse({"job": job.id, "events": f"/jobs/{job.id}/events"}, 202)

    async def stop(request: Request) -> Response:
        job = days.queue.stop(request.path_params["job"])
        if job is None:
            raise NotFound(request.path_params["job"])
        return JSONResponse(job_state(days, job, request.state.lang))

    async def events(request: Request) -> Response:
        job = days.queue.jobs.get(request.path_params["job"])
        if job is None:
            raise NotFound(request.path_params["job"])
        lang = request.state.lang

        async def stream() -> Any:
            while True:
                state = job_state(days, job, lang)
                yield f"data: {json.dumps(state, ensure_ascii=False)}\n\n"
                if job.finished:
                    return
                await asyncio.sleep(TICK)

        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    async def plan_page(request: Request) -> Response:
        day, number = request.path_params["day"], request.path_params["number"]
        shown = await asyncio.to_thread(_view, days, day, number, request.state.lang)
        said = _script_json(words(request.state.lang))
        return render(
            request, "plan.html", view=shown, view_json=_script_json(shown), said_json=said
        )

    async def plan_json(request: Request) -> Response:
        day, number = request.path_params["day"], request.path_params["number"]
        return JSONResponse(await asyncio.to_thread(_view, days, day, number, request.state.lang))

    async def change(request: Request) -> Response:
        day, number = request.path_params["day"], request.path_params["number"]
        action = request.path_params["action"]
        form = await _json(request)
        lang = request.state.lang
        try:
            if action == "edit":
                record = await asyncio.to_thread(days.edit, day, number, form)
            elif action == "undo":
                record = await asyncio.to_thread(days.undo, day, number)
            elif action == "lock":
                seat = _seat(form)
                record = await asyncio.to_thread(days.lock, day, number, *seat)
            else:
                raise NotFound(action)
        except editing.EditError as exc:
            raise Refused(400, str(exc)) from None
        return JSONResponse(await asyncio.to_thread(_shown, days, day, record, lang))

    async def download(request: Request) -> Response:
        day, number = request.path_params["day"], request.path_params["number"]
        name, lang = request.path_params["name"], request.state.lang
        try:
            if name == "plan.zip":
                data = await asyncio.to_thread(days.zipped, day, number, lang)
            else:
                files = await asyncio.to_thread(days.files, day, number, lang)
                if name not in files:  # the name only selects among the plan's files
                    raise NotFound(name)
                data = files[name]
        except NotValid:
            raise Refused(409, words(lang)["no_download"]) from None
        kind = _media_type(name)
        disposition = f'attachment; filename="{name}"'
        return Response(data, media_type=kind, headers={"Content-Disposition": disposition})

    async def queue(request: Request) -> Response:
        return JSONResponse({"lines": queue_lines(days, request.state.lang)})

    async def set_lang(request: Request) -> Response:
        form = await _json(request)
        lang = form.get("lang")
        if lang not in ("en", "fr"):
            raise Refused(400, "lang: en or fr")
        response = JSONResponse({"lang": lang})
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="strict")
        return response

    routes = [
        Route("/", home),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Route("/days", upload, methods=["POST"]),
        Route("/examples", example, methods=["POST"]),
        Route("/lang", set_lang, methods=["POST"]),
        Route("/queue", queue),
        Route("/days/{day}", day_page),
        Route("/days/{day}/duplicate", duplicate, methods=["POST"]),
        Route("/days/{day}/delete", delete_day, methods=["POST"]),
        Route("/days/{day}/instance", save_instance, methods=["POST"]),
        Route("/days/{day}/solve", solve, methods=["POST"]),
        Route("/days/{day}/plans/{number:int}", plan_page),
        Route("/days/{day}/plans/{number:int}/view", plan_json),
        Route("/days/{day}/plans/{number:int}/files/{name}", download),
        Route("/days/{day}/plans/{number:int}/delete", delete_draft, methods=["POST"]),
        Route("/days/{day}/plans/{number:int}/{action}", change, methods=["POST"]),
        Route("/jobs/{job}/events", events),
        Route("/jobs/{job}/stop", stop, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        _settle()
        yield
        gc.unfreeze()
        await asyncio.to_thread(days.close)  # the solves end with the server

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.days = days
    app.add_middleware(_Guard, allowed=allowed, token=token)  # type: ignore[arg-type]
    return app


class _Guard:
    """Every request: the Host header, the token, the language; a POST must come from the
    page itself (Origin, else Referer); errors answered as JSON, the page's as HTML."""

    def __init__(self, app: Any, allowed: set[str], token: str | None) -> None:
        self.app, self.allowed, self.token = app, allowed, token

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        response = self._refusal(request)
        if response is None:
            request.state.lang = choose_lang(
                request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")
            )
            response = await _answer(self.app, scope, receive, send, request)
            if response is None:
                return
        await response(scope, receive, send)

    def _refusal(self, request: Request) -> Response | None:
        host = request.headers.get("host", "")
        if host not in self.allowed:
            return _plain(421, "This server answers only at the address it printed.")
        if self.token is not None:
            given = request.query_params.get("token")
            if given is not None and hmac.compare_digest(given, self.token):
                target = request.url.path if request.method == "GET" else "/"
                redirect = RedirectResponse(target, 303)
                redirect.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
                return redirect
            cookie = request.cookies.get(TOKEN_COOKIE, "")
            if not hmac.compare_digest(cookie, self.token):
                return _plain(403, "Open the address with its token, as the server printed it.")
        if request.method not in ("GET", "HEAD") and not _same_origin(request, host):
            return _plain(403, "Changes are accepted only from this page.")
        return None


async def _answer(app: Any, scope: Any, receive: Any, send: Any, request: Request) -> Any:
    """Run the app, with its security headers; a refusal becomes its status and message."""

    async def send_with_headers(message: Any) -> None:
        if message["type"] == "http.response.start":
            message.setdefault("headers", [])
            message["headers"] += [
                (b"content-security-policy", CSP.encode()),
                (b"x-content-type-options", b"nosniff"),
                (b"referrer-policy", b"same-origin"),
            ]
        await send(message)

    try:
        await app(scope, receive, send_with_headers)
    except Refused as exc:
        return _error(exc.status, exc.message, exc.issues)
    except NotFound:
        return _error(404, words(request.state.lang)["not_found"])
    except ValueError as exc:
        return _error(400, str(exc))
    return None


def _settle() -> None:
    """Keep what the server holds from its start (the modules, the library, the app: some
    170,000 objects) out of the garbage collector's full passes, which a drag's tens of
    thousands of short-lived objects start about every tenth drag of a 300-person plan:
    each walked them all and held that drag 40 to 190 ms; now a few."""
    gc.collect()
    gc.freeze()


def _same_origin(request: Request, host: str) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        referer = urlsplit(request.headers.get("referer", ""))
        origin = f"{referer.scheme}://{referer.netloc}" if referer.netloc else ""
    return origin == f"{request.url.scheme}://{host}"


def _plain(status: int, message: str) -> Response:
    return Response(message + "\n", status, media_type="text/plain; charset=utf-8")


def _error(status: int, message: str, issues: list[Any] | None = None) -> Response:
    return JSONResponse({"error": message, "issues": issues or []}, status)


def _input_refused(title: str, exc: InputError) -> Refused:
    issues = [{"path": i.path, "message": i.message, "hint": i.hint} for i in exc.issues]
    return Refused(400, title, issues)


async def _body(request: Request, limit: int, source: str) -> bytes:
    """The request's body, refused (413) past `limit` bytes without reading further."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(source)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(source)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(source: str) -> Refused:
    exc = input_too_large(source)
    return Refused(413, exc.issues[0].message, [vars(exc.issues[0])])


async def _json(request: Request) -> dict[str, Any]:
    data = await _body(request, MAX_EDIT_BYTES, "the request")
    try:
        value = json.loads(data or b"{}")
    except ValueError as exc:
        raise Refused(400, f"the request is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise Refused(400, "the request is a JSON object")
    return value


def _save(days: Days, day: str, text: bytes) -> None:
    try:
        data = json.loads(text.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise input_issue("", f"instance.json is not valid JSON: {exc}") from None
    days.save_instance(day, data)


def _count(value: str | None, field: str) -> int | None:
    if value in (None, ""):
        return None
    if not value.isdigit() or not 1 <= int(value) <= 1000:
        raise Refused(
            400,
            f"{field}: a whole number from 1 to 1000",
            [{"path": field, "message": "a whole number from 1 to 1000", "hint": ""}],
        )
    return int(value)


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused(400, "time_limit: a number of seconds")
    if not (math.isfinite(value) and 0.1 <= value <= 86400):
        raise Refused(400, "time_limit: between 0.1 and 86400 seconds")
    return float(value)


def _seat(form: dict[str, Any]) -> tuple[str, str, bool]:
    round_id, person, locked = form.get("round"), form.get("person"), form.get("locked", True)
    if not isinstance(round_id, str) or not isinstance(person, str):
        raise Refused(400, "a lock names a round and a person")
    return round_id, person, bool(locked)


def _view(days: Days, day: str, number: int, lang: Lang) -> dict[str, Any]:
    return _shown(days, day, days.store.plan(day, number), lang)


def _shown(days: Days, day: str, record: dict[str, Any], lang: Lang) -> dict[str, Any]:
    instance, _ = days.parsed(record["instance"])
    return view.plan_view(day, record["number"], record, instance, lang)


def _summary(record: dict[str, Any], lang: Lang) -> dict[str, Any]:
    plan = record["plan"]
    bound = plan.get("bound")
    return {
        "kind": record["kind"],
        "draft": record["kind"] == editing.HAND_EDITED,
        "valid": record["valid"],
        "objective": format_number(plan["objective"], lang),
        "bound": "—" if bound is None else format_number(bound, lang),
        "stopped": record.get("stopped", False),
        "created": record.get("created", ""),
        "broken": len(record["violations"]),
    }


def _script_json(value: Any) -> str:
    """JSON to hold in a `<script type="application/json">`: no `<`, `>` or `&` left that
    could close the element."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _media_type(name: str) -> str:
    return {
        ".json": "application/json",
        ".csv": "text/csv; charset=utf-8",
        ".html": "text/html; charset=utf-8",
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".zip": "application/zip",
    }[Path(name).suffix]


def job_state(days: Days, job: Job, lang: Lang) -> dict[str, Any]:
    """What the page shows of a solve: its state, place in the queue, elapsed time, best
    objective and proven bound (the last known, repeated), and its plan once made."""
    said = words(lang)
    position = days.queue.position(job)
    progress = job.progress or {}
    plan_url = f"/days/{job.day}/plans/{job.plan_number}" if job.plan_number else None
    return {
        "job": job.id,
        "day": job.day,
        "kind": job.kind,
        "state": job.state,
        "finished": job.finished,
        "label": said[f"state_{job.state}"].format(position=position),
        "position": position,
        "elapsed": round(job.elapsed(), 1),
        "objective": progress.get("objective"),
        "bound": progress.get("bound"),
        "announce": job.announce,
        "message": job.message,
        "details": [
            d if isinstance(d, str) else f"{d.get('path') or '(instance)'}: {d.get('message')}"
            for d in job.details
        ],
        "plan": plan_url,
        "queue": queue_lines(days, lang),
    }


def queue_lines(days: Days, lang: Lang) -> list[str]:
    """The line of solves, running first, as the page shows it: day, kind, state."""
    said = words(lang)
    lines = []
    for position, job in enumerate(days.queue.line()):
        try:
            title = days.store.info(job.day).get("title", "")
        except NotFound:
            title = job.day
        state = (
            said["state_running"]
            if position == 0 and job.state == "running"
            else (said["state_queued"].format(position=days.queue.position(job)))
        )
        lines.append(f"{title} — {said['kind_' + job.kind]} — {state}")
    return lines


def new_token() -> str:
    return secrets.token_urlsafe(18)


def printed_url(host: str, port: int, token: str | None) -> str:
    """The address to open: this machine's for a wildcard host, with the token if any."""
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/"
    return url if token is None else f"{url}?token={token}"


def serve(host: str, port: int, data_dir: Path, open_browser: bool) -> None:
    """Run the page until Ctrl-C; beyond this machine, with a token in the printed URL."""
    import threading
    import webbrowser

    import uvicorn

    token = None if host in LOOPBACK else new_token()
    url = printed_url(host, port, token)
    if token is not None:
        print(
            f"warning: listening on {host}, beyond this machine: anyone who can reach it"
            " and has the token below sees the days, which hold people's names",
            flush=True,
        )
    app = create_app(data_dir, host, port, token)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    print(f"allocator: the days are kept in {data_dir}", flush=True)
    print(f"allocator: open {url}  (Ctrl-C stops the server and its solves)", flush=True)
    if open_browser:

        def when_started() -> None:
            while not server.started and not server.should_exit:
                threading.Event().wait(0.1)
            if server.started:
                webbrowser.open(url)

        threading.Thread(target=when_started, daemon=True).start()
    server.run()
