"""Organisation settings: an administrator prepares a backup and gets a download of the archive."""

from tests.app.conftest import by_label, no_errors, sign_in
from tests.markdown_text import shown


def test_admin_prepares_a_backup_to_download(demo_url):
    at = sign_in("admin", lang="en")
    at.switch_page("pages/admin_settings.py").run()
    no_errors(at)
    assert not at.get("download_button")
    by_label(at.button, "Prepare a backup").click().run()
    no_errors(at)
    [download] = at.get("download_button")
    label = shown(download.proto.label)  # the file name is escaped Markdown on the button
    assert label.startswith("Download qms-backup-") and label.endswith(".zip")
    assert any(" rows, " in c.value for c in at.caption)
