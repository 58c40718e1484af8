"""The reference implementation of the service (`scs-kit serve`): an ASGI app over SQLite."""

from .app import create_app
from .background import RunningServer, start_server
from .service import Service

__all__ = ["RunningServer", "Service", "create_app", "start_server"]
