"""The console's routes: pages (GET, server-rendered, no script needed) and actions (POST,
each with its CSRF token), over one store opened at start.

Pages: ``/sources``, ``/sources/{id}``, ``/runs``, ``/runs/{id}``, ``/failures``,
``/stories``, ``/stories/{cluster}``, ``/search``; ``/login``; ``/metrics``, ``/healthz``.
Actions: ``POST /sources/{id}/crawl``, ``POST /failures/retry``, ``POST /login``.
Every scraped string reaches the page through Jinja2's autoescaping.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.responses import Response

from crawler.check import SourceReport, check_source
from crawler.dates import parse_since
from crawler.registry import RegistryError, load_registry
from kibaru.settings import Settings
from kibaru.web.actions import ActionError, Launcher
from kibaru.web.charts import sparkline_points
from kibaru.web.metrics import metrics_registry
from kibaru.web.security import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    authenticated,
    csrf_token_of,
    csrf_valid,
    is_open_path,
    safe_next,
    session_value,
)
from storage.console import (
    SourceOverview,
    cluster_articles,
    failure_groups,
    recent_articles,
    recent_stories,
    run_pages,
    source_overview,
)
from storage.coverage import FIELDS
from storage.crawl_state import get_run, recent_runs
from storage.db import Store
from storage.run_recorder import shown_status
from storage.runs import unresolved_failures
from storage.search import SearchFilters, search_articles

HERE = Path(__file__).parent
# No script at all, nothing from elsewhere: the pages are plain HTML and one stylesheet.
CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'none'; frame-ancestors 'none'"
def _by_share(name: str) -> Callable[[SourceOverview], Any]:
    """Sort by the share of ``name`` (sources without articles first)."""

    def key(row: SourceOverview) -> tuple[float, str]:
        share = row.share(name)
        return (-1.0 if share is None else share, row.id)

    return key


SORT_KEYS: dict[str, Callable[[SourceOverview], Any]] = {
    "source": lambda row: row.id,
    "country": lambda row: (row.country, row.id),
    "kind": lambda row: (row.kind, row.id),
    "last_run": lambda row: (row.last_run_at or datetime.min.replace(tzinfo=UTC)),
    "state": lambda row: (row.state, row.id),
    "flags": lambda row: (len(row.flags), row.id),
    "volume": lambda row: (row.coverage.volume_recent if row.coverage else -1, row.id),
    **{name: _by_share(name) for name in FIELDS},
}




def _templates() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["when"] = _when
    environment.filters["percent"] = _percent
    environment.globals["sparkline_points"] = sparkline_points
    environment.globals["FIELDS"] = FIELDS
    return environment


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if moment else "–"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _duration(started: datetime | None, finished: datetime | None) -> str:
    if started is None or finished is None:
        return "–"
    seconds = int((finished - started).total_seconds())
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def _date_or_none(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parse_since(value)
    except ValueError:
        return None


def create_app(settings: Settings, store: Store) -> FastAPI:
    """The console over ``store`` with ``settings`` (token, broker, heartbeat, tolerance)."""
    app = FastAPI(title="kibaru", docs_url=None, redoc_url=None, openapi_url=None)
    templates = _templates()
    launcher = Launcher(settings)
    registry = metrics_registry(settings, store)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if not is_open_path(request.url.path) and not authenticated(request, settings.web_token):
            if request.method == "GET" and request.url.path != "/metrics":
                target = urlencode({"next": str(request.url.path)})
                return RedirectResponse(f"/login?{target}", status_code=303)
            return PlainTextResponse("unauthorised: log in or send the bearer token", 401)
        response = await call_next(request)
        token = getattr(request.state, "csrf_token", None)
        if token and request.cookies.get(CSRF_COOKIE) != token:
            response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.update(
            request=request,
            csrf_token=csrf_token_of(request),
            notice=request.query_params.get("notice"),
            logged_in=bool(settings.web_token),
            broker=bool(settings.broker_url),
        )
        return HTMLResponse(templates.get_template(name).render(**context), status_code)

    def refused(request: Request) -> HTMLResponse:
        return render(
            request, "message.html", 403, title="Refused",
            message="This form's security token is missing or stale: reload the page and "
            "submit it again.",
        )

    def back(path: str, notice: str) -> RedirectResponse:
        return RedirectResponse(f"{path}?{urlencode({'notice': notice})}", status_code=303)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/sources", status_code=303)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        try:
            with store.session() as session:
                session.execute(text("SELECT 1"))
        except Exception as exc:
            return JSONResponse({"status": "down", "error": type(exc).__name__}, 503)
        return JSONResponse({"status": "ok"})

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str | None = None) -> HTMLResponse:
        return render(request, "login.html", title="Log in", next=safe_next(next), failed=False)

    @app.post("/login", response_model=None)
    def login(
        request: Request,
        token: str = Form(""),
        next: str = Form("/sources"),
        csrf_token: str = Form(""),
    ) -> Response:
        if not csrf_valid(request, csrf_token):
            return refused(request)
        if not settings.web_token:
            return RedirectResponse(safe_next(next), status_code=303)
        if not authenticated_by(token):
            return render(request, "login.html", 401, title="Log in", next=safe_next(next),
                          failed=True)
        response = RedirectResponse(safe_next(next), status_code=303)
        response.set_cookie(SESSION_COOKIE, session_value(settings.web_token), httponly=True,
                            samesite="strict")
        return response

    def authenticated_by(token: str) -> bool:
        import hmac

        return bool(settings.web_token) and hmac.compare_digest(token, settings.web_token or "")

    @app.get("/sources", response_class=HTMLResponse)
    def sources_page(
        request: Request,
        country: str = "",
        kind: str = "",
        sort: str = "source",
        order: str = "asc",
    ) -> HTMLResponse:
        with store.session() as session:
            rows = source_overview(
                session, datetime.now(UTC), heartbeat=settings.run_heartbeat,
                tolerance=settings.coverage_tolerance,
            )
        countries = sorted({row.country for row in rows if row.country})
        kinds = sorted({row.kind for row in rows if row.kind})
        shown = [
            row for row in rows
            if (not country or row.country == country) and (not kind or row.kind == kind)
        ]
        key = SORT_KEYS.get(sort, SORT_KEYS["source"])
        shown.sort(key=key, reverse=order == "desc")
        return render(
            request, "sources.html", title="Sources", rows=shown, countries=countries,
            kinds=kinds, country=country, kind=kind, sort=sort if sort in SORT_KEYS else "source",
            order=order, total=len(rows),
        )

    @app.get("/sources/{source_id}", response_class=HTMLResponse)
    def source_page(request: Request, source_id: str) -> HTMLResponse:
        return source_view(request, source_id)

    def source_view(
        request: Request, source_id: str, check: SourceReport | None = None,
        check_error: str | None = None,
    ) -> HTMLResponse:
        with store.session() as session:
            overview = next(
                (
                    row for row in source_overview(
                        session, datetime.now(UTC), heartbeat=settings.run_heartbeat,
                        tolerance=settings.coverage_tolerance,
                    )
                    if row.id == source_id
                ),
                None,
            )
            articles = recent_articles(session, source_id)
            failures = unresolved_failures(session, source=source_id, limit=100)
            runs = recent_runs(session, limit=20, source=source_id)
        if overview is None and not articles:
            return render(request, "message.html", 404, title="Unknown source",
                          message=f"No source {source_id!r} in the store.")
        return render(
            request, "source.html", title=source_id, source_id=source_id, row=overview,
            articles=articles, failures=failures, runs=[_run_view(run) for run in runs],
            check=check, check_error=check_error,
        )

    @app.post("/sources/{source_id}/check", response_class=HTMLResponse, response_model=None)
    def check_now(request: Request, source_id: str, csrf_token: str = Form("")) -> Response:
        """What ``kibaru sources check`` says of the source today (robots.txt, homepage,
        feeds, sitemaps), shown on its page; the fetches follow the crawl's address policy."""
        if not csrf_valid(request, csrf_token):
            return refused(request)
        try:
            registry = load_registry([settings.sources], builtin=settings.builtin_sources)
        except RegistryError as exc:
            return source_view(request, source_id, check_error=str(exc))
        source = registry.get(source_id)
        if source is None:
            return source_view(
                request, source_id,
                check_error=f"{source_id} is not in the registry (KIBARU_SOURCES, built-ins)",
            )
        return source_view(request, source_id, check=check_source(source, settings))

    @app.post("/sources/{source_id}/crawl", response_model=None)
    def crawl_now(request: Request, source_id: str, csrf_token: str = Form("")) -> Response:
        if not csrf_valid(request, csrf_token):
            return refused(request)
        try:
            notice = launcher.crawl(source_id)
        except ActionError as exc:
            return back(f"/sources/{source_id}", str(exc))
        return back("/runs", notice)

    def _run_view(run: Any) -> dict[str, Any]:
        counts = run.counts or {}
        return {
            "run": run,
            "status": shown_status(run, heartbeat=settings.run_heartbeat),
            "duration": _duration(run.started_at, run.finished_at),
            "counts": counts,
            "errors": counts.get("errors_by_kind") or {},
        }

    @app.get("/runs", response_class=HTMLResponse)
    def runs_page(request: Request, source: str = "") -> HTMLResponse:
        with store.session() as session:
            runs = recent_runs(session, limit=100, source=source or None)
        return render(request, "runs.html", title="Runs", runs=[_run_view(run) for run in runs],
                      source=source)

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    def run_page(request: Request, run_id: int) -> HTMLResponse:
        with store.session() as session:
            run = get_run(session, run_id)
            pages = run_pages(session, run_id) if run else []
        if run is None:
            return render(request, "message.html", 404, title="Unknown run",
                          message=f"No run {run_id}.")
        return render(request, "run.html", title=f"Run {run_id}", view=_run_view(run),
                      pages=pages)

    @app.get("/failures", response_class=HTMLResponse)
    def failures_page(request: Request, stage: str = "", reason: str = "") -> HTMLResponse:
        with store.session() as session:
            groups = failure_groups(session)
            failures = unresolved_failures(
                session, stage=stage or None, reason=reason or None, limit=200
            )
        return render(request, "failures.html", title="Failures", groups=groups,
                      failures=failures, stage=stage, reason=reason)

    @app.post("/failures/retry", response_model=None)
    def retry(
        request: Request,
        csrf_token: str = Form(""),
        failure_id: int | None = Form(None),
        stage: str = Form(""),
        reason: str = Form(""),
    ) -> Response:
        if not csrf_valid(request, csrf_token):
            return refused(request)
        try:
            pid = launcher.retry(failure_id=failure_id, stage=stage or None,
                                 reason=reason or None)
        except ActionError as exc:
            return back("/failures", str(exc))
        what = f"failure {failure_id}" if failure_id is not None else f"{stage}: {reason}"
        return back("/runs", f"retry of {what} started (process {pid}); its run shows here")

    @app.get("/stories", response_class=HTMLResponse)
    def stories_page(request: Request) -> HTMLResponse:
        with store.session() as session:
            stories = recent_stories(session)
        return render(request, "stories.html", title="Stories", stories=stories)

    @app.get("/stories/{cluster_id}", response_class=HTMLResponse)
    def story_page(request: Request, cluster_id: str) -> HTMLResponse:
        with store.session() as session:
            articles = cluster_articles(session, cluster_id)
        if not articles:
            return render(request, "message.html", 404, title="Unknown story",
                          message=f"No story {cluster_id!r}.")
        return render(request, "story.html", title="Story", cluster_id=cluster_id,
                      articles=articles)

    @app.get("/search", response_class=HTMLResponse)
    def search_page(
        request: Request,
        q: str = "",
        country: str = "",
        source: str = "",
        agency: str = "",
        since: str = "",
        until: str = "",
    ) -> HTMLResponse:
        filters = SearchFilters(
            country=country or None, source=source or None, agency=agency or None,
            since=_date_or_none(since), until=_date_or_none(until),
        )
        searched = any((q, country, source, agency, since, until))
        with store.session() as session:
            results = search_articles(session, q, filters, limit=100) if searched else []
        return render(
            request, "search.html", title="Search", q=q, country=country, source=source,
            agency=agency, since=since, until=until, results=results, searched=searched,
        )

    return app
