from pathlib import Path

import pytest

SAMPLES = Path(__file__).parent / "samples"
FULL_SAMPLES = Path("/work/shared/samples/1c-commerceml")


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def import_file(data_dir):
    """Import bytes as one CommerceML file for `actor`; returns the finished run."""
    from crm.exchange.models import SessionKind
    from crm.exchange.services.files import run_import, run_receive
    from crm.exchange.services.sessions import session_start

    def run(actor, content: bytes, name: str = "import.xml"):
        session = session_start(actor=actor, kind=SessionKind.PAGE)
        received = run_receive(
            actor=actor, session=session, filename=name, chunk=content
        )
        return run_import(actor=actor, run=received)

    return run
