"""What a process keeps for routing is never older than the data versions it is kept under."""

from __future__ import annotations

from storage.kept import KeptRouting, Unit

GRID = Unit(7, 3, "grid", "东关一网格", "青禾县/清泉街道/东关社区/东关一网格")
MOVED = Unit(7, 4, "grid", "东关一网格", "青禾县/柳河镇/王庄村/东关一网格")


def test_an_import_seen_by_any_message_empties_what_was_kept():
    kept = KeptRouting().at((1, 1))
    kept.keep_chain((1, 1), 7, [GRID])
    kept.keep_role((1, 1), 7, "traffic", "police_assistant")
    assert kept.at((2, 1)).chains == {} and kept.roles == {}


def test_a_chain_read_before_an_import_is_not_kept_under_the_newer_versions():
    kept = KeptRouting().at((1, 1))  # a slow message read the versions, then the tree
    kept.at((2, 1))  # meanwhile another message saw the import
    kept.keep_chain((1, 1), 7, [GRID])  # the slow one's (older) chain comes back
    kept.keep_role((1, 1), 7, "traffic", None)
    assert kept.chains == {} and kept.roles == {}
    kept.keep_chain((2, 1), 7, [MOVED])
    assert kept.chains == {7: [MOVED]}
