"""The web front ends: patient chat and widget (public), staff console (signed in), one server.

Nothing the server runs may phone home. Gradio and huggingface_hub read their switches for
usage analytics, telemetry, run history and the Hub from the environment, huggingface_hub
once, when it is first imported (gradio imports it). So `no_telemetry()` below is called here,
when this package is imported: before any module under it imports gradio."""

import os

# Analytics off whatever the environment says; the rest only where it does not say otherwise.
_FORCED = {"GRADIO_ANALYTICS_ENABLED": "False"}
_DEFAULTS = {"HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_OFFLINE": "1", "GRADIO_RUN_HISTORY": "False"}


def no_telemetry() -> None:
    """Turn off Gradio's usage analytics and run history, Hugging Face telemetry and Hub access."""
    os.environ.update(_FORCED)
    for name, value in _DEFAULTS.items():
        os.environ.setdefault(name, value)


no_telemetry()
