"""The browser console: static ES modules, HTML and CSS served by the API process under /console.

No build step: the files in static/ are what the browser runs. The console calls the same HTTP API as any
client, with the bearer token kept in sessionStorage (gone when the tab closes, never in localStorage).
"""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from console.charts import mount_chart_library

STATIC_DIR = Path(__file__).parent / "static"
MOUNT_PATH = "/console"

# The console runs only its own scripts and talks only to this origin: an injected string cannot load code.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class ConsoleFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(SECURITY_HEADERS)
        return response


def mount_console(app: FastAPI) -> None:
    """Serve the console at /console/ (and send /console there)."""

    @app.get(MOUNT_PATH, include_in_schema=False)
    def console_root() -> RedirectResponse:
        return RedirectResponse(f"{MOUNT_PATH}/")

    mount_chart_library(app, SECURITY_HEADERS)  # before the mount: /console/lib/ is not in static/
    app.mount(MOUNT_PATH, ConsoleFiles(directory=STATIC_DIR, html=True), name="console")
