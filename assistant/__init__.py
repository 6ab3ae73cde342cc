"""CaseReview: checks draft case-review reports against the guidance and answers questions about it, with citations.

Public API::

    from assistant import ask, check, Assistant, load_settings
"""

from assistant.settings import Settings, apply_offline_environment, load_settings

apply_offline_environment()

from assistant.api import Assistant, ask, check  # noqa: E402
from assistant.results import Answer, Citation, Critique  # noqa: E402

__all__ = ["Assistant", "Answer", "Citation", "Critique", "Settings", "ask", "check", "load_settings"]
__version__ = "0.1.0"
