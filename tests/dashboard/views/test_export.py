"""Export page: a case file for a cluster is built and offered for download."""

import io
import zipfile

from tests.dashboard.conftest import page


def test_build_case_file_for_cluster(app):
    at = page(app, "export")
    at.button(key="build_case").click().run()
    assert not at.exception
    name, data = at.session_state["case_file"]
    assert name == "moneytrail-cluster-1.zip"
    assert "report.html" in zipfile.ZipFile(io.BytesIO(data)).namelist()
