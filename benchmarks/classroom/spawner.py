"""The benchmark's spawner: JupyterHub's ``simple`` local-process spawner, whose servers also
stop when the hub dies (Linux ``PR_SET_PDEATHSIG``), so no server outlives a killed benchmark.
Kernels need nothing: ipykernel exits when its server is gone."""

from __future__ import annotations

from jupyterhub.spawner import SimpleLocalProcessSpawner

from .procs import die_with_parent


class ClassroomSpawner(SimpleLocalProcessSpawner):
    """``SimpleLocalProcessSpawner`` + ``die_with_parent`` in the server's preexec_fn."""

    def make_preexec_fn(self, name):
        preexec = super().make_preexec_fn(name)

        def preexec_and_die_with_hub() -> None:
            preexec()
            die_with_parent()

        return preexec_and_die_with_hub
