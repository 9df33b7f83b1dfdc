"""The one exception the engine raises for bad input: a short message naming the problem."""


class EngineInputError(ValueError):
    """Input that cannot be computed (wrong sizes, non-reciprocal matrix, unknown criterion …).

    The message is one line, in German, and names the offending element; the CLI prints it and
    exits with status 2, the web UI shows it next to the form.
    """
