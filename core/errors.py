class ActionError(Exception):
    """A refused change, with a message that can be shown to the user as it is."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class IllegalTransition(ActionError):
    pass


class ConcurrentChange(ActionError):
    pass
