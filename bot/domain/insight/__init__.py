"""What a pair can look back on: ``/history`` and ``/insights`` (one module each)."""
