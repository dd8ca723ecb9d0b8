"""The look the Gradio pages share: the theme (system fonts, nothing fetched), the stylesheets
and scripts in static/, and `markup`, the one way a page shows HTML that askclinic wrote."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

STATIC = Path(__file__).parent / "static"


def static_text(name: str) -> str:
    return (STATIC / name).read_text()


def script(name: str) -> str:
    """A page's <head> addition: the script static/`name`, inline (the CSP allows no other origin)."""
    return f"<script>{static_text(name)}</script>"


def markup(value: str = "", **kw) -> gr.Markdown:
    """A block of HTML written by askclinic (values escaped). gr.Markdown rather than gr.HTML:
    gr.HTML evaluates templates as JavaScript, which the Content-Security-Policy forbids."""
    return gr.Markdown(value, sanitize_html=True, latex_delimiters=[], **kw)


def theme():
    """Gradio's default look with system fonts (nothing fetched) and a blue dark enough for
    white button text (blue-700: 6.7:1)."""
    system = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
    return gr.themes.Default(
        primary_hue="blue",
        neutral_hue="slate",
        font=system,
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    ).set(
        button_primary_background_fill="#1d4ed8",
        button_primary_background_fill_hover="#1e40af",
        button_primary_background_fill_dark="#1d4ed8",
        button_primary_background_fill_hover_dark="#1e3a8a",
        button_primary_text_color="#ffffff",
        button_primary_text_color_dark="#ffffff",
        input_placeholder_color="#64748b",
        input_placeholder_color_dark="#94a3b8",
    )
