#!/usr/bin/env bash
# Set up CaseReview on a fresh machine: a virtualenv in .venv holding exactly the versions in
# requirements.lock (the ones the tests passed on), then the guidance index.
# Prints one line per step; pip's full output goes to .venv/setup.log.
# Safe to run again: it skips what is done.
#   CASEREVIEW_SKIP_LLM=1   skip llama-cpp-python (it compiles for ~5 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 PIP_DISABLE_PIP_VERSION_CHECK=1
PY=${PYTHON:-python3}
started=$(date +%s)

step() {  # step "what" command...: one line with its time; on failure, the log's last lines
  local what=$1 t0 rc
  shift
  t0=$(date +%s)
  printf '  %-52s' "$what"
  set +e
  "$@" >>"$LOG" 2>&1
  rc=$?
  set -e
  if [ $rc -ne 0 ]; then
    echo "FAILED"
    echo "--- last lines of $LOG:"
    grep -v '^WARNING: Location' "$LOG" | tail -n 25
    exit $rc
  fi
  echo "$(( $(date +%s) - t0 )) s"
}

echo "CaseReview setup"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
LOG=$PWD/.venv/setup.log
: >"$LOG"
. .venv/bin/activate
stamp=.venv/.casereview-installed
want=$(cat requirements.lock pyproject.toml scripts/setup.sh scripts/lock-without-llm.sh | sha256sum | cut -c1-16)-${CASEREVIEW_SKIP_LLM:-0}
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  lock=requirements.lock
  if [ "${CASEREVIEW_SKIP_LLM:-0}" = "1" ]; then
    lock=.venv/requirements-nollm.lock
    bash scripts/lock-without-llm.sh >"$lock"
  fi
  if [ "$(uname -m)" = x86_64 ]; then
    # one fixed instruction set (x86-64-v3), not -march=native: every machine compiles and runs the
    # same llama.cpp kernels, the ones the tests ran (docs/architecture.md, "The model worker")
    export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=OFF}"
  fi
  step "pip itself" python -m pip install -q "pip==26.3"
  # every package pinned with its hash, no resolution: what the tests passed on. torch is the CPU
  # build of 2.13.0 that lies on this kind of machine's disk; llama-cpp-python compiles (~5 min)
  step "locked dependencies (requirements.lock)" python -m pip install --no-deps --require-hashes -r "$lock"
  step "casereview itself (editable)" python -m pip install --no-deps --no-build-isolation -e .
  echo "$want" >"$stamp"
else
  echo "  dependencies are installed (requirements.lock unchanged)"
fi
step "guidance index (casereview ingest)" casereview ingest
echo "done in $(( $(date +%s) - started )) s. Next:"
echo "  .venv/bin/casereview chat                      # the web app on http://127.0.0.1:7860"
echo "  .venv/bin/casereview check draft.docx          # check a draft"
echo "  .venv/bin/python -m pytest -q -p no:cacheprovider   # the tests"
