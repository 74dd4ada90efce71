"""The throwaway dev server (bench/stack.py) survives a port taken under it, and only that."""

import socket
from pathlib import Path

import pytest

from bench.stack import ADDRESS_IN_USE, DevServer, ServerExited


def _held_port() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


async def test_a_port_taken_before_the_first_start_moves_the_server_to_a_free_one(tmp_path: Path):
    with _held_port() as held:
        taken = held.getsockname()[1]
        server = DevServer(tmp_path, port=taken)
        try:
            await server.start()
            assert server.port != taken
            client = await server.client()
            assert (await client.service_client.check_health()) is True  # a real server answers on the new port
        finally:
            server.stop()
    log = (tmp_path / "temporal.log").read_text()
    assert ADDRESS_IN_USE in log and str(taken) in log  # the first attempt failed for that reason, and said so


async def test_a_restart_keeps_its_port_and_gives_up_when_the_port_stays_taken(tmp_path: Path):
    server = DevServer(tmp_path)
    await server.start()
    port = server.port
    server.stop()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        try:
            with pytest.raises(ServerExited):
                await server.start(port_attempts=2)
            assert server.port == port  # cases live at this address: a restart never moves it
        finally:
            server.stop()
    assert (tmp_path / "temporal.log").read_text().count(ADDRESS_IN_USE) == 2


async def test_a_server_that_exits_for_another_reason_is_not_retried(tmp_path: Path):
    server = DevServer(tmp_path, dynamic_config=("not a key value pair",))
    with pytest.raises(ServerExited):
        await server.start()
    assert ADDRESS_IN_USE not in (tmp_path / "temporal.log").read_text()
