"""The web front ends: patient chat and widget (public), staff console (signed in), one server.

Importing any of them first turns off what Gradio would otherwise send or fetch: usage
analytics, the version check, Hugging Face telemetry, run history."""

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_RUN_HISTORY", "False")
