"""``kibaru web``: serve the operator's console (:mod:`kibaru.web.app`) with uvicorn."""

from __future__ import annotations

import typer

from kibaru.cli.common import err_console, fail, get_settings, open_store_or_fail


def register(app: typer.Typer) -> None:
    app.command(name="web")(web)


def web(
    host: str = typer.Option(
        None, "--host", help="Address to listen on (KIBARU_WEB_HOST, default 127.0.0.1)."
    ),
    port: int = typer.Option(
        None, "--port", min=1, max=65535, help="Port (KIBARU_WEB_PORT, default 8000)."
    ),
) -> None:
    """Serve the console: sources, runs, failures, stories, search, /metrics, /healthz.

    Anything but loopback needs KIBARU_WEB_TOKEN (bearer token or the login form).
    """
    settings = get_settings(web_host=host, web_port=port)
    from kibaru.web.security import ListenError, check_listen_address

    try:
        check_listen_address(settings.web_host, settings.web_token)
    except ListenError as exc:
        fail(str(exc))
    store = open_store_or_fail(settings)
    import uvicorn

    from kibaru.web.app import create_app

    application = create_app(settings, store)
    err_console.print(
        f"kibaru web: http://{settings.web_host}:{settings.web_port}/ "
        f"({'token required' if settings.web_token else 'no token: loopback only'})",
        highlight=False,
    )
    try:
        uvicorn.run(
            application, host=settings.web_host, port=settings.web_port,
            log_level=settings.log_level.lower(), access_log=False,
        )
    except OSError as exc:
        fail(f"cannot listen on {settings.web_host}:{settings.web_port}: {exc}")
    finally:
        store.dispose()
