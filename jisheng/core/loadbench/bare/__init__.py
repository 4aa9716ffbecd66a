"""The bare Django app the HTTP benchmark measures Jisheng against (see the package's docstring)."""
