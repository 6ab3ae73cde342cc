#!/usr/bin/env bash
# Print requirements.lock without llama-cpp-python's entry (its name line and hash lines):
# what CASEREVIEW_SKIP_LLM=1 installs, and what the wheel test installs (llama.cpp compiles for minutes).
set -euo pipefail
awk '/^llama-cpp-python==/{skip=1; next} skip && /^ /{next} {skip=0; print}' "$(dirname "$0")/../requirements.lock"
