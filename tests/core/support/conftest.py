from tests.core.support.builders import private_media  # noqa: F401
