"""The one exception type the CLI turns into a one-line error and an exit code."""

# Exit codes shared by every command.
EXIT_OK = 0
EXIT_FINDINGS = 1  # lint findings, or a failing implementation
EXIT_USAGE = 2  # the kit could not do its job: unreadable input, unreachable URL, ...


class KitError(Exception):
    """An error the user can act on; printed as one line, never as a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE):
        super().__init__(message)
        self.exit_code = exit_code
