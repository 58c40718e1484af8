
# keep `import faulty` (tests/faulty) working however pytest imports the tests
import sys as _sys
from pathlib import Path as _Path

if str(_Path(__file__).resolve().parent) not in _sys.path:
    _sys.path.insert(0, str(_Path(__file__).resolve().parent))
