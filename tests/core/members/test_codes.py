"""Member codes: M00001, unique, never reused, gapless under concurrency."""

import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from core.common.models import Counter
from core.members.models import Member
from core.members.retention import member_purge
from core.members.services import member_create, member_soft_delete
from tests.core.members.builders import make_member


def test_codes_are_sequential_in_the_m00001_format(db):
    # when three members are created
    codes = [make_member().code for _ in range(3)]

    # then they get M00001, M00002, M00003
    assert codes == ["M00001", "M00002", "M00003"]
    assert all(re.fullmatch(r"M\d{5}", code) for code in codes)


def test_a_code_is_never_reused_after_delete_purge_or_removal(db):
    # given three members: one soft-deleted, one purged, one removed outright
    deleted, purged, removed = make_member(), make_member(), make_member()
    member_soft_delete(member=deleted)
    member_purge(member=purged)
    Member.all_objects.filter(pk=removed.pk).delete()

    # when the next member is created
    newcomer = make_member()

    # then the newcomer gets a fresh code
    assert newcomer.code == "M00004"
    assert Member.all_objects.filter(code__in=["M00001", "M00002"]).count() == 2


def test_a_failed_creation_does_not_burn_a_code(db):
    # given a member enrolled on the fingerprint device as 77
    make_member(biometric_id="77")

    # when creating a second member fails after the code was drawn (fingerprint ID taken)
    with pytest.raises(ValidationError) as exc:
        make_member(biometric_id="77")
    assert "biometric_id" in exc.value.message_dict

    # then the next successful creation takes the next code, leaving no gap
    assert make_member().code == "M00002"
    assert Counter.objects.get(name="member_code").value == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_gives_distinct_gapless_codes():
    # given 5 threads, each on its own database connection, creating 2 members at the same moment
    threads_count, per_thread = 5, 2
    start = threading.Barrier(threads_count, timeout=30)
    codes, errors = [], []
    lock = threading.Lock()

    def create_members(t: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                member = member_create(email=f"t{t}-{i}@example.com", first_name=f"T{t}")
                with lock:
                    codes.append(member.code)
        except Exception as exc:  # reported below, with the thread that failed
            errors.append((t, repr(exc)))
        finally:
            connection.close()

    # when they run
    threads = [threading.Thread(target=create_members, args=(t,)) for t in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then every member got a different code, and together they are M00001..M00010 with no gap
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    total = threads_count * per_thread
    assert sorted(codes) == [f"M{n:05d}" for n in range(1, total + 1)]
    assert Member.objects.count() == total
