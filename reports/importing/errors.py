class ReportReadError(ValueError):
    """The input cannot be read as a report. The message is translated and fit for a user."""
