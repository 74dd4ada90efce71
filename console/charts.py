"""The chart library of the console's insights page, served from the installed `plotly` wheel.

plotly.js is not copied into the repository: the `plotly` package (a dependency in pyproject.toml) ships
the minified bundle as package data, and this route serves that file at /console/lib/plotly.min.js, under
the console's Content-Security-Policy. Nothing is fetched at run time: the browser loads it from this origin.
"""

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse

PLOTLY_PATH = "/console/lib/plotly.min.js"


def plotly_bundle() -> Path:
    bundle = resources.files("plotly") / "package_data" / "plotly.min.js"
    return Path(str(bundle))


def mount_chart_library(app: FastAPI, headers: dict[str, str]) -> None:
    """Register the route before the console's static mount, so it answers first."""
    bundle = plotly_bundle()

    @app.get(PLOTLY_PATH, include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(bundle, media_type="text/javascript", headers=headers)
