"""Checks on the values the build computes (run as SQL in transforms/35_indicator_checks.sql
and 40_aggregates.sql, with the limits of the thresholds table): registered here so that
reports and documentation know their titles and fixes like every other check."""

from __future__ import annotations

from hemisec.findings import register

register("indicator-share-at-limit", "warning", "plausibility",
         "A share is (nearly) 100% of a sizeable denominator",
         "Check whether the part (e.g. unsentenced) was filled with the total; correct the "
         "source row or mark it with obs_status and a note.", level=1)
register("indicator-jump", "warning", "plausibility",
         "A value jumps against both neighbouring years in the same direction",
         "Check the numerator and the denominator of that year; a real change (a census, a "
         "new recording system) deserves obs_status B and a note.", level=1)
register("indicator-outside-series", "warning", "plausibility",
         "A value lies far outside the country's own series",
         "Check the year's inputs against the country's other years and its other sources.",
         level=1)
register("published-value-differs", "warning", "plausibility",
         "A computed value differs from a published one beyond the catalogue's tolerance",
         "Compare the inputs with the publisher's (population series, definition, revision); "
         "the published value is in indicators with method published.", level=4)
register("aggregate-low-coverage", "warning", "plausibility",
         "A regional aggregate covers too little of the region",
         "Read the value as the reporting countries' figure, not the region's; the wide view "
         "leaves it out.", level=2)
