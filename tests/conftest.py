
# keep `import faulty` (tests/faulty) working however pytest imports the tests
import sys as _sys
from pathlib import Path as _Path

if str(_Path(__file__).resolve().parent) not in _sys.path:
    _sys.path.insert(0, str(_Path(__file__).resolve().parent))


# --- messages: the suite reads English output unless a test chooses a language -------------------
import os as _os  # noqa: E402

import pytest as _pytest  # noqa: E402

_os.environ["SCS_LANG"] = "en"  # also for the `scs-kit` processes the tests start


@_pytest.fixture(autouse=True)
def _messages_in_english():
    from scs_kit import i18n

    i18n.use("en")
    yield
    i18n.use("en")
