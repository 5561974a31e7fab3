import shutil
from pathlib import Path

import pytest

FIXTURE_ADDONS = Path(__file__).parent / "addons_fixtures"


@pytest.fixture
def test_addons(tmp_path) -> Path:
    """A private copy of the kernel's test modules, free to modify."""
    folder = tmp_path / "test_addons"
    shutil.copytree(FIXTURE_ADDONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


@pytest.fixture
def addons_site(site, test_addons):
    """A site whose addons path holds the test modules before the bundled ones."""
    site.addons_path = [str(test_addons)]
    site.write_config()
    return site
