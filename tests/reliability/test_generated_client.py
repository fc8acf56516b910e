"""The API as a client author meets it: a client generated from the committed docs/openapi.json
by openapi-python-client runs the example of docs/api.md (docs/examples/api_client.py) against
a live gunicorn, creating an actual and then correcting it with the version read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.reliability.scratch import ROOT, Server

EXAMPLE = ROOT / "docs" / "examples" / "api_client.py"


def test_a_generated_client_runs_the_documented_example(scratch, tmp_path):
    venv_bin = Path(sys.executable).parent
    generated = subprocess.run(
        [str(venv_bin / "openapi-python-client"), "generate",
         "--path", str(ROOT / "docs" / "openapi.json"), "--meta", "none",
         "--output-path", str(tmp_path / "chiiki_client")],
        env=os.environ | {"PATH": f"{venv_bin}:{os.environ.get('PATH', '')}"},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "Warning" not in generated.stdout + generated.stderr  # every operation generated
    server = Server(scratch, workers=1)
    try:
        env = scratch.env | {
            "PYTHONPATH": str(tmp_path),
            "CHIIKI_URL": server.base,
            "CHIIKI_TOKEN": scratch.token("planner"),
        }

        def run() -> list[str]:
            done = subprocess.run(
                [sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True,
                timeout=120, check=False,
            )  # fmt: skip
            assert done.returncode == 0, done.stdout + done.stderr
            return done.stdout.splitlines()

        first = run()
        assert first[0].startswith("6 regions: 道央広域")
        assert first[1].startswith("ゼロカーボンシティ表明市町村数 (市町村)")
        assert first[-1].startswith("recorded R5: 12市町村") and first[-1].endswith("version 1")
        again = run()  # now it exists: corrected with If-Match and the version read
        assert again[-1].startswith("recorded R5: 12市町村") and again[-1].endswith("version 2")
    finally:
        server.stop()
    # docs/api.md shows this very file
    assert EXAMPLE.read_text(encoding="utf-8") in (ROOT / "docs" / "api.md").read_text(
        encoding="utf-8"
    )
