"""A person may hold several roles (`grid_worker;mediator`); every rule asks `has_role`."""

from __future__ import annotations

from handlers import texts
from storage.models import Staff, join_roles, split_roles


def test_a_person_with_two_roles_has_each_and_no_other():
    person = Staff(role="grid_worker;mediator")

    assert person.has_role("grid_worker") and person.has_role("mediator")
    assert not person.has_role("supervisor")
    assert person.has_role("supervisor", "mediator")  # any of them
    assert person.roles == ("grid_worker", "mediator")


def test_one_role_as_stored_before_still_reads_as_that_role():
    assert Staff(role="supervisor").roles == ("supervisor",)
    assert not Staff(role="supervisor").has_role("super")  # whole names only


def test_roles_are_read_each_once_in_order_whatever_the_spacing():
    assert split_roles(" grid_worker ; mediator;grid_worker；duty ;") == (
        "grid_worker",
        "mediator",
        "duty",
    )
    assert join_roles(["mediator", "grid_worker", "mediator"]) == "mediator;grid_worker"


def test_roles_are_named_together_in_chinese():
    assert texts.roles_named(("grid_worker", "mediator")) == "网格员、调解员"
