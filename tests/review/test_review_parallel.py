"""Real parallel claims on PostgreSQL: two reviewers racing for one listing, exactly one wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from mallops.accounts.actors import actor_of
from mallops.catalogue.fixtures import make_product
from mallops.core.errors import DomainError
from mallops.review import services
from mallops.review.models import ListingVersion
from mallops.testing.factories import make_merchant, make_staff


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_rows")
@pytest.mark.req("R2.1.1")
def test_two_reviewers_claiming_at_once_never_both_hold_the_listing():
    merchant, _ = make_merchant()
    reviewers = [make_staff("listing_reviewer"), make_staff("listing_reviewer")]
    listings = []
    for _ in range(5):
        product = make_product(merchant.pk)
        listing = services.listing_create(
            actor=actor_of(None), merchant_id=merchant.pk, product_id=product.pk
        )
        services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
        listings.append(listing)
    outcomes: dict[int, list[str]] = {listing.pk: [] for listing in listings}
    barrier = threading.Barrier(2)

    def worker(reviewer) -> None:
        try:
            for listing in listings:
                barrier.wait(timeout=10)
                try:
                    services.listing_claim(actor=actor_of(reviewer), listing_id=listing.pk)
                    outcomes[listing.pk].append(f"won:{reviewer.pk}")
                except DomainError as exc:
                    outcomes[listing.pk].append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(r,)) for r in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for listing in listings:
        results = outcomes[listing.pk]
        winners = [r for r in results if r.startswith("won:")]
        assert len(winners) == 1 and results.count("claimed_by_other") == 1, results
        version = ListingVersion.objects.unscoped(reason="test").get(listing_id=listing.pk)
        assert f"won:{version.claimed_by_id}" == winners[0]
