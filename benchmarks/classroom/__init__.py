"""Parts of the classroom load benchmark (benchmarks/classroom_load.py, tests/test_classroom.py):

- ``install``: jupyterhub (pip) and configurable-http-proxy (npm, into ``.hub/``), pinned;
- ``hub``: a throw-away JupyterHub on 127.0.0.1 and its REST API;
- ``spawner``, ``nodelay``: loaded by the hub and the single-user servers;
- ``student``: one student's browser, as far as the kernel websocket is concerned;
- ``procs``: the run's processes, read from /proc, and how they are stopped;
- ``harness``: one class from start to clean stop, and its figures.
"""
