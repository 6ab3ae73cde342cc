"""A built wheel works on its own: installed with its locked dependencies into a fresh venv outside the checkout.

The wheel must carry the prompts and the guidance corpus (package data, found
with importlib.resources), so ``ingest``, ``ask``, ``check`` and ``doctor`` run
from a working directory that has no checkout in it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

DRAFT = (
    "Executive summary\n\nThis review was commissioned by the Local Safeguarding Children Board after Child P died. "
    "The social worker did not visit for six weeks. Agencies must communicate better.\n"
)


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 900) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"{' '.join(cmd[:4])} failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], Path]:
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env["HF_HUB_OFFLINE"] = "1"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(REPO)], tmp, env)
    wheel = next(dist.glob("casereview-*.whl"))
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp, env)
    # the lock without llama-cpp-python, as CASEREVIEW_SKIP_LLM=1 installs it (the model worker has its own tests)
    lock = tmp / "requirements-nollm.lock"
    lock.write_text(run(["bash", str(REPO / "scripts" / "lock-without-llm.sh")], tmp, env).stdout)
    pip = str(venv / "bin" / "pip")
    run([pip, "install", "-q", "--no-deps", "--require-hashes", "-r", str(lock)], tmp, env, timeout=1800)
    run([pip, "install", "-q", "--no-deps", str(wheel)], tmp, env)
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    env = {**env, "CASEREVIEW_DATA_DIR": str(tmp / "data"), "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"}
    return venv, env, elsewhere


def test_the_wheel_carries_prompts_and_corpus(installed):
    venv, _, _ = installed
    site = next((venv / "lib").glob("python3.*/site-packages"))
    shipped = site / "assistant" / "shipped"
    assert not shipped.joinpath("prompts").is_symlink()  # copies, not links into a checkout
    assert {p.name for p in (shipped / "prompts").glob("*.yaml")} == {p.name for p in (REPO / "prompts").glob("*.yaml")}
    corpus = {p.relative_to(REPO / "guidance_corpus").as_posix() for p in (REPO / "guidance_corpus").rglob("*") if p.is_file()}
    assert corpus <= {p.relative_to(shipped / "guidance_corpus").as_posix() for p in (shipped / "guidance_corpus").rglob("*") if p.is_file()}
    wheel = next((venv.parent / "dist").glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "assistant/shipped/guidance_corpus/manifest.yaml" in names
    # every data file the package reads at run time (models, cues, presets, styles) is in the wheel
    data = {p.relative_to(REPO).as_posix() for p in (REPO / "assistant").rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix not in {".py", ".pyc"}}
    assert data - names == set()


def test_installed_commands_run_from_another_directory(installed):
    venv, env, elsewhere = installed
    cli = str(venv / "bin" / "casereview")
    run([cli, "ingest"], elsewhere, env)
    answer = json.loads(run([cli, "ask", "Within what time should a serious case review be completed?", "--json"], elsewhere, env).stdout)
    assert answer["citations"] and not answer["abstained"]
    assert all(str(REPO) not in json.dumps(c) for c in answer["citations"])
    draft = elsewhere / "draft.txt"
    draft.write_text(DRAFT)
    critique = json.loads(run([cli, "check", str(draft), "--json"], elsewhere, env).stdout)
    assert critique["elements"] and critique["issues"]
    doctor = json.loads(run([cli, "doctor", "--skip-model", "--json"], elsewhere, env).stdout)  # exit 0: no problem
    assert doctor["ok"] and {c["name"] for c in doctor["checks"]} >= {"embedder", "index", "prompts"}
