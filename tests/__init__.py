"""hemisec's tests (`make test`)."""

import os
import sys

# Imported before the conftest and hemisec: Python keeps the bytecode it compiles (in
# __pycache__, ignored by git) even where the environment asks it not to, else every
# command line a test starts compiles hemisec again (about 0.1 s each).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False
