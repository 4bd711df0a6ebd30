"""/metrics' counters in the multiprocess mode a pre-forking server would use (PROMETHEUS_MULTIPROC_DIR): two
processes' counts are added up by whichever process is scraped."""

from __future__ import annotations

import os
import subprocess
import sys

from docflow.paths import PROJECT_ROOT

COUNT = "from docflow import metrics; metrics.count_signature('personal'); metrics.count_request('GET', 'x', 200, 0.1)"
SCRAPE = "from docflow import metrics; import sys; sys.stdout.write(metrics.exposition().decode())"


def _python(code: str, folder: str) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": folder, "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def test_counts_of_several_processes_are_added_up(tmp_path):
    _python(COUNT, str(tmp_path))
    _python(COUNT, str(tmp_path))
    text = _python(SCRAPE, str(tmp_path))
    assert 'docflow_signatures_total{kind="personal"} 2.0' in text
    assert 'docflow_http_requests_total{endpoint="x",method="GET",status="200"} 2.0' in text
