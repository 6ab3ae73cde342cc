"""`casereview models`: the model providers, what is configured, and the shipped presets."""

from __future__ import annotations

import argparse

from assistant.cli.common import print_json, settings_from_args


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    cmd = sub.add_parser(
        "models",
        help="List model providers, the configured model and presets.",
        description="Show the generative-model providers (and whether each is installed), the model the current settings configure, and the shipped presets.",
    )
    cmd.add_argument("--probe", action="store_true", help="Also load the configured model (or contact its server) and report its context size.")
    cmd.set_defaults(handler=handle)
    return cmd


def _presets() -> list[dict]:
    import tomllib

    from assistant.settings import PRESETS_DIR, preset_names

    out = []
    for name in preset_names():
        path = PRESETS_DIR / f"{name}.toml"
        data = tomllib.loads(path.read_text())
        first = next((line[1:].strip() for line in path.read_text().splitlines() if line.startswith("#")), "")
        out.append({"preset": name, "model": data.get("model", {}).get("name", "none"), "about": first})
    return out


def collect(settings, probe: bool = False) -> dict:
    from assistant.models.errors import ModelError
    from assistant.models.registry import describe_providers, endpoint_for, is_loopback_url, parse_model_name

    m = settings.model
    configured: dict = {"name": m.name, "answer_mode": m.answer_mode, "preset": settings.preset}
    try:
        provider, target = parse_model_name(m.name)
        configured["provider"] = provider
        endpoint = endpoint_for(m)
        if endpoint:
            configured["endpoint"] = endpoint
            configured["on_this_machine"] = is_loopback_url(endpoint)
            configured["allow_remote"] = m.allow_remote
        if provider == "llamacpp":
            from assistant.models.llamacpp import resolve_gguf

            try:
                configured["gguf"] = str(resolve_gguf(target, m.name))
            except ModelError as exc:
                configured["problem"] = str(exc)
        if provider != "none":
            configured["context_size_setting"] = m.context_size
            configured["max_tokens"] = m.max_tokens
            configured["support_threshold"] = m.support_threshold
        if probe and provider != "none":
            from assistant.models.registry import build_chat_model

            chat = build_chat_model(m)
            configured["context_size"] = chat.context_size
            trained = getattr(chat.inner, "trained_context_size", None)
            if trained:
                configured["trained_context_size"] = trained
    except ModelError as exc:
        configured["problem"] = str(exc)
    return {"providers": describe_providers(), "configured": configured, "presets": _presets()}


def handle(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    data = collect(settings, args.probe)
    if args.json:
        print_json(data)
        return 0
    print("Providers:")
    for p in data["providers"]:
        state = "ready" if p["installed"] else f"not installed (needs {p['package']})"
        print(f"  {p['provider']:<9} {p['usage']:<38} {state}")
        print(f"            {p['description']}")
    c = data["configured"]
    print("\nConfigured:")
    for key, value in c.items():
        if value is not None:
            print(f"  {key}: {value}")
    print("\nPresets (use --preset NAME, or preset = \"NAME\" in casereview.toml):")
    for p in data["presets"]:
        print(f"  {p['preset']:<10} {p['model']:<22} {p['about']}")
    return 1 if "problem" in c else 0
