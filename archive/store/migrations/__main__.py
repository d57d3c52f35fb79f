"""`python -m archive.store.migrations revision "message"`: write a new revision from the model changes."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from archive.store.migrations import config, upgrade


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "revision":
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'head.db'}")
        upgrade(engine)  # a database at the current head, to compare the models with
        with engine.begin() as conn:
            cfg = config(conn)
            count = len(list(ScriptDirectory.from_config(cfg).walk_revisions()))
            command.revision(cfg, message=argv[1], autogenerate=True, rev_id=f"{count + 1:04d}")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
