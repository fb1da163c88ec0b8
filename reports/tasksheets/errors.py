class TaskSheetError(ValueError):
    """The file cannot be read as a 任务分解表. The message is translated and fit for a user."""
