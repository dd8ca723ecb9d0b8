"""The web front ends: patient chat and widget (public), staff console (signed in), one server."""
