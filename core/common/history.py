from simple_history.models import HistoricalRecords

from core.common.actors import history_user


def History(**kwargs) -> HistoricalRecords:
    """HistoricalRecords for every domain model, with GymOS's "who" rule."""
    kwargs.setdefault("get_user", history_user)
    return HistoricalRecords(**kwargs)
