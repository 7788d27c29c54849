"""A kernel websocket connection that turns Nagle's algorithm off (TCP_NODELAY).

jupyter-server does not set TCP_NODELAY on the kernel websocket. A widget update sends several
small frames in a row (echo, image, summary, status); with Nagle on, a frame can wait for the
client's delayed ACK (~40 ms on Linux). Browsers ACK in a way that hides most of this (~3 ms
measured in JupyterLab + Chromium), a Python client does not, so the benchmark's single-user
servers use this class (``--ServerApp.kernel_websocket_connection_class``) to measure what a
browser student sees rather than an artefact of the load client.
"""

from __future__ import annotations

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection


class NoDelayConnection(ZMQChannelsWebsocketConnection):
    """``ZMQChannelsWebsocketConnection`` with ``set_nodelay(True)`` on the websocket."""

    async def connect(self):
        self.websocket_handler.set_nodelay(True)
        return await super().connect()
