"""`jisheng bench --only http`: Jisheng under load next to a bare Django app on the same server settings.

- ``bare/``: the ceiling, a Django project of one page (a session read, one indexed query, a template)
  served by `jisheng serve`'s own gunicorn code (``Command._gunicorn``) on the same database.
- ``driver.py``: the load, driven by locust in a process of its own (locust patches the standard library
  with gevent on import, which Django's process must never see); it reads a scenario as JSON on its
  standard input and prints its figures as JSON.
- ``runner.py``: starts each server on a free loopback port, runs the driver against it, stops the
  server by its process group, and computes the report (``jisheng.core.httpbench`` yields it as
  measures).

The mix itself (which pages, how often, with which people and cases) is offered by the apps: an app's
``loadtest.py`` with ``mix(ctx) -> list[dict]`` (see ``jisheng/hall/loadtest.py``), so the shell never
imports an app.
"""
