"""askclinic: answer patients' questions with cited excerpts from a clinic's own articles."""

__version__ = "0.1.0"
