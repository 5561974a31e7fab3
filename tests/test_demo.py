"""`make demo`'s content step: the demo workspace is made through the services, once."""

import json


def test_demo_content_is_loaded_once_through_the_services(site):
    site.install("ipai_workos_affine")
    site.workos("user", "create", "admin", "--admin", "--password-stdin", input="correct-horse-9\n", check=True)

    first = site.workos("demo", "load", "--user", "admin")
    second = site.workos("demo", "load", "--user", "admin")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0 and "already exists" in second.stdout
    tree_titles = sorted(row[0] for row in site.sql("SELECT title FROM ipai_workos_page WHERE container_model = '' AND parent_id IS NULL"))
    assert {"Team handbook", "Welcome to WorkOS", "Team wiki", "CRM", "Launch plan"} <= set(tree_titles) and tree_titles.count("Welcome to WorkOS") == 2
    # templates: the project tracker has rows for every view, made from the system template
    assert site.sql("SELECT count(*) FROM ipai_workos_row r JOIN ipai_workos_database d ON d.id = r.database_id "
                    "WHERE d.title = 'Project tracker'")[0][0] >= 30
    types = {row[0] for row in site.sql("SELECT DISTINCT type FROM ipai_workos_block")}
    assert {"heading_2", "todo", "callout", "divider", "code", "numbered_list"} <= types
    assert site.sql("SELECT role FROM ipai_workos_workspace_member m JOIN auth_user u ON u.id = m.user_id WHERE u.username = 'admin'") == [("admin",)]
    assert site.sql("SELECT count(*) FROM ipai_audit_event WHERE action LIKE '%create%'")[0][0] >= 5
    # the canvas: shapes joined by arrows, sticky notes, a page card
    kinds = {row[0] for row in site.sql("SELECT DISTINCT kind FROM ipai_workos_canvas_element")}
    assert {"rectangle", "ellipse", "diamond", "arrow", "text", "frame", "embeddable"} <= kinds
    # collaboration: a thread with a mention, and unread notices in the demo user's inbox
    assert site.sql("SELECT count(*) FROM ipai_workos_comment WHERE parent_id IS NOT NULL")[0][0] >= 1
    assert site.sql("SELECT count(*) FROM ipai_workos_mention WHERE comment_id IS NOT NULL")[0][0] >= 2
    unread = site.sql("SELECT n.kind FROM ipai_workos_notification n JOIN auth_user u ON u.id = n.recipient_id "
                      "WHERE u.username = 'admin' AND n.read_at IS NULL ORDER BY n.id")
    assert ("mention",) in unread
    assert "unread in admin's inbox" in first.stdout
    # the home page, trash and settings have something to show
    assert site.sql("SELECT title FROM ipai_workos_page WHERE archived_at IS NOT NULL") == [("Old offsite plan",)]
    assert site.sql("SELECT count(*) FROM ipai_workos_favorite f JOIN auth_user u ON u.id = f.user_id WHERE u.username = 'admin'")[0][0] == 3
    assert site.sql("SELECT email, role, sent_at FROM ipai_workos_invitation WHERE accepted_at IS NULL AND revoked_at IS NULL") == [
        ("new.colleague@example.com", "member", None)]
    # an inline thread on words of the meeting notes: the thread's id marks those words in the block's text
    inline = site.sql("SELECT c.id, b.content FROM ipai_workos_comment c JOIN ipai_workos_block b ON b.key = c.block_id "
                      "JOIN ipai_workos_page p ON p.id = c.page_id WHERE c.anchor IS NOT NULL AND p.title LIKE '%Meeting%'")
    assert len(inline) == 1
    thread_id, content = inline[0]
    content = json.loads(content) if isinstance(content, str) else content
    assert any(span.get("comment") == thread_id for span in content["text"])
    assert "an inline thread on" in first.stdout


def test_demo_load_names_an_unknown_user(site):
    site.install("ipai_workos_core")

    result = site.workos("demo", "load", "--user", "nobody")

    assert result.returncode == 1
    assert "no user named nobody" in result.stderr
