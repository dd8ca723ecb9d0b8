"""The few exceptions askclinic raises on purpose; cli and web turn them into messages."""


class AskclinicError(Exception):
    """Base class: the message is meant for the person at the keyboard."""


class IngestError(AskclinicError):
    """An article file could not be read; the message names the reason."""


class IndexMismatch(AskclinicError):
    """The index on disk was built with another model or schema."""


class IndexMissing(AskclinicError):
    """No index where one was expected."""


class IndexCorrupt(AskclinicError, ValueError):
    """A file of the index cannot be read; the message names it and how to rebuild."""


class ConfigError(AskclinicError):
    """A setting has a value askclinic cannot use."""
