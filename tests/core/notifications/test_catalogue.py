"""Every email template is in the catalogue and renders, text and HTML, with
its sample data and no missing variable; admins preview them in the admin."""

import pytest

from core.notifications.catalogue import CATALOGUE, catalogue_render, email_templates_on_disk

MISSING = "!!MISSING:%s!!"


@pytest.fixture
def strict_templates(settings):
    """A variable the sample lacks renders as !!MISSING:name!! instead of nothing."""
    first = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**first, "OPTIONS": {**first["OPTIONS"], "string_if_invalid": MISSING}}]


def test_every_email_template_on_disk_is_in_the_catalogue():
    # given
    on_disk = email_templates_on_disk()
    listed = {entry.name for entry in CATALOGUE}
    # then: a template nobody can preview (or a catalogue entry without a template) is a mistake
    assert {"welcome", "password_reset", "payment_receipt", "renewal_reminder", "daily_digest"} <= on_disk
    assert on_disk - listed == set(), "add these templates to core/notifications/catalogue.py"
    assert listed - on_disk == set(), "these catalogue entries have no template"
    assert len(listed) == len(CATALOGUE)


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda entry: entry.name)
def test_every_template_renders_with_its_sample_and_nothing_missing(strict_templates, entry, settings):
    # when
    rendered = catalogue_render(entry.name)
    # then
    for part in (rendered.subject, rendered.text, rendered.html):
        assert "!!MISSING" not in part, f"{entry.name} uses a variable its sample lacks: {part}"
    assert rendered.subject.strip()
    assert "\n" not in rendered.subject
    assert settings.GYM_NAME in rendered.text
    assert rendered.html.lstrip().startswith("<!doctype html>")
    assert settings.GYM_NAME in rendered.html
    assert "<html" not in rendered.text


def test_the_strict_setting_does_catch_a_missing_variable(strict_templates):
    # given: a sample without a variable the template uses
    from core.notifications.rendering import render_email

    # when
    rendered = render_email("renewal_reminder", {"first_name": "Nusrat", "days_left": 3})
    # then: the check above can fail
    assert "!!MISSING:plan_name!!" in rendered.text


def test_admins_preview_every_template(client, admin_user):
    # given
    client.force_login(admin_user)
    # when
    page = client.get("/admin/notifications/message/email-templates/")
    # then
    assert page.status_code == 200
    body = page.content.decode()
    for entry in CATALOGUE:
        assert entry.title in body
        assert f"?template={entry.name}" in body
    assert "does not render" not in body


def test_the_message_outbox_links_to_the_preview(client, admin_user):
    client.force_login(admin_user)
    body = client.get("/admin/notifications/message/").content.decode()
    assert 'href="/admin/notifications/message/email-templates/"' in body


def test_admins_preview_one_template_as_html_and_text(client, admin_user):
    client.force_login(admin_user)
    body = client.get("/admin/notifications/message/email-templates/", {"template": "daily_digest"}).content.decode()
    assert 'class="email-subject">GymOS Fitness daily digest: Tuesday 15 December 2026<' in body
    assert "srcdoc=" in body and "sandbox" in body
    assert "== Renewals due in the next 7 days ==" in body


@pytest.mark.parametrize("who", ["anonymous", "member_user", "trainer_user"])
def test_the_preview_is_for_staff_only(request, client, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get("/admin/notifications/message/email-templates/")
    assert response.status_code in (302, 403)
    assert b"Email templates" not in response.content
