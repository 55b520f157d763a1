import pytest

from tests.core.notifications.whatsapp_setup import wa_sim  # noqa: F401 - fixture for the WhatsApp outbox tests
from tests.support.mail import with_test_templates


@pytest.fixture
def test_email_templates(settings):
    """Adds the "test_message" email (tests/support/templates) to the template dirs."""
    settings.TEMPLATES = with_test_templates(settings.TEMPLATES)
