"""Reading members: the staff search (code, phone, name, email)."""

from django.db.models import Q, QuerySet
from django.utils.text import smart_split, unescape_string_literal

from core.accounts.models import User
from core.members.models import Member

MEMBER_FIELDS = ("code", "phone")
LOGIN_FIELDS = ("first_name", "last_name", "email")


def members_search(queryset: QuerySet, text: str) -> QuerySet:
    """Members matching every word of ``text`` (quotes keep words together) in their code,
    phone, name or email, case-insensitively and anywhere in the field: the admin's
    search semantics. Members' and logins' fields are matched in two subqueries (each
    served by the trigram indexes of members.0002 on PostgreSQL), not across a join of
    all 50,000 members to their users: 0.2 s down to a few ms a search (bench/, issue 11)."""
    for word in smart_split(text):
        if word.startswith(('"', "'")) and word[0] == word[-1]:
            word = unescape_string_literal(word)
        by_profile = Member.all_objects.filter(_any_contains(MEMBER_FIELDS, word)).values("pk")
        by_login = User.objects.filter(_any_contains(LOGIN_FIELDS, word)).values("pk")
        queryset = queryset.filter(Q(pk__in=by_profile) | Q(user__in=by_login))
    return queryset


def _any_contains(fields: tuple[str, ...], word: str) -> Q:
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": word})
    return condition
