"""``pagecache.remembered``: one builder per key, and a build that remembers another key never waits on
itself (the related list builds a search inside its own build; striped locks deadlocked when both keys fell
in one stripe, about one product page in 64 — found as a hung `make test`)."""

from __future__ import annotations

import threading
import uuid

from mallops.storefront import pagecache


def test_nested_builds_of_many_key_pairs_finish() -> None:
    run = uuid.uuid4().hex
    outcome: list[int] = []

    def nested() -> None:
        for n in range(300):  # 300 pairs: with 64 shared stripes some pair collides almost surely
            inner = f"t:{run}:inner:{n}"

            def build(inner: str = inner) -> list[int]:
                return [*pagecache.remembered(inner, lambda: [1], list), 2]

            outcome.append(sum(pagecache.remembered(f"t:{run}:outer:{n}", build, list, 5)))

    worker = threading.Thread(target=nested, daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "a nested build waited on its own lock"
    assert outcome == [3] * 300
    assert pagecache._building == {}


def test_threads_missing_one_key_build_it_once() -> None:
    key = f"t:{uuid.uuid4().hex}:one"
    builds: list[int] = []
    started = threading.Barrier(4)

    def build() -> list[int]:
        builds.append(1)
        return [7]

    def visit() -> None:
        started.wait()
        assert pagecache.remembered(key, build, list, 5) == [7]

    threads = [threading.Thread(target=visit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert builds == [1]
