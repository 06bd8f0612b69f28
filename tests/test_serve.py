"""`make serve` serves static files like production: DEBUG off, `collectstatic` with hashed,
compressed names, WhiteNoise in a real gunicorn process (the Django test client never runs
gunicorn, and serves static files only through its own handler)."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "serve-test-secret",
        "STATIC_ROOT": str(tmp / "static"),
        "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
        "WEB_CONCURRENCY": "1",
        "HTTPS": "0",  # plain HTTP on loopback: no redirect to https://
    }
    port = _free_port()
    env["BIND"] = f"127.0.0.1:{port}"
    subprocess.run(
        [BIN / "python", "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    server = subprocess.Popen(
        [BIN / "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"], cwd=ROOT, env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        manifest = json.loads((tmp / "static" / "staticfiles.json").read_text())["paths"]
        yield base, manifest
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_hashed_static_file_served_compressed_and_cached_for_a_year(served):
    base, manifest = served
    hashed = manifest["css/app.css"]
    assert hashed != "css/app.css" and hashed.startswith("css/app.")
    status, headers, body = _get(f"{base}/static/{hashed}", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"]
    assert "max-age=315360000" in headers["Cache-Control"]
    assert body[:2] == b"\x1f\x8b"  # gzip magic
    assert (ROOT / "static/css/app.css").read_bytes() == _gunzip(body)


def test_unknown_static_file_is_a_404_and_debug_is_off(served):
    base, _manifest = served
    status, _headers, body = _get(f"{base}/static/css/nothing.css")
    assert status == 404
    assert b"Traceback" not in body and b"DEBUG = True" not in body


def _gunzip(data: bytes) -> bytes:
    import gzip

    return gzip.decompress(data)
