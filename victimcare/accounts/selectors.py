"""Reads of people and organisations, scoped to what the acting person may see.

Views read people and organisations only through these functions. They scope
querysets exactly as `permissions.py` decides single objects, so a list never
shows a row that its detail page would refuse.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from .models import Organisation, User
from .permissions import MAX_ORGANISATION_DEPTH, is_administrator, is_supervisor


def organisation_subtree_ids(*, organisation_id: int) -> set[int]:
    """The id of the organisation and of every organisation below it.

    One query per level of the tree (at most MAX_ORGANISATION_DEPTH).
    """
    found = {organisation_id}
    frontier = {organisation_id}
    for _ in range(MAX_ORGANISATION_DEPTH):
        children = (
            set(Organisation.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            - found
        )
        if not children:
            break
        found |= children
        frontier = children
    return found


def person_list_for_user(*, user: User) -> QuerySet[User]:
    """The people `user` may see: everyone for an administrator; for a supervisor,
    the people in their organisation and the organisations below it; otherwise
    only themselves. Nobody for an inactive or anonymous user.
    """
    people = User.objects.select_related("organisation").order_by("full_name", "pk")
    if is_administrator(user):
        return people
    if is_supervisor(user):
        return people.filter(
            organisation_id__in=organisation_subtree_ids(organisation_id=user.organisation_id)
        )
    if getattr(user, "is_authenticated", False) and user.is_active:
        return people.filter(pk=user.pk)
    return people.none()


def access_person(*, user: User, person_id: int) -> User:
    """The person with `person_id` if `user` may view them.

    Raises Http404 both when there is no such person and when `user` may not
    see them, so the answer never reveals who has an account.
    """
    person = User.objects.select_related("organisation").filter(pk=person_id).first()
    if person is None or not user.has_perm("accounts.view_person", person):
        raise Http404("No such person.")
    return person


def organisation_list_for_user(*, user: User) -> QuerySet[Organisation]:
    """The organisations `user` may view: all for an administrator; otherwise
    their own organisation and those below it; none for an inactive user.
    """
    organisations = Organisation.objects.order_by("name", "pk")
    if is_administrator(user):
        return organisations
    if (
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.organisation_id
        and user.role
    ):
        return organisations.filter(
            pk__in=organisation_subtree_ids(organisation_id=user.organisation_id)
        )
    return organisations.none()
