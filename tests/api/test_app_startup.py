"""The app from settings alone: migrates, seeds in dev mode, and starts even while Temporal is down."""

import httpx

from api.main import create_app
from tests.api.conftest import api_settings


async def test_dev_mode_start_migrates_seeds_and_survives_temporal_being_down(tmp_path):
    settings = api_settings(tmp_path, dev_mode=True)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
            login = await http.post("/auth/token", data={"username": "super1", "password": "demo-password"})
            assert login.status_code == 200, login.text
            health = await http.get("/health")
            assert health.status_code == 503
            assert health.json() == {"database": "ok", "temporal": "unreachable"}
            assert health.headers["x-request-id"]
    assert (tmp_path / "complaints.db").exists()


async def test_production_mode_seeds_nothing(tmp_path):
    app = create_app(api_settings(tmp_path, dev_mode=False))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as http:
            login = await http.post("/auth/token", data={"username": "admin1", "password": "demo-password"})
            assert login.status_code == 401
