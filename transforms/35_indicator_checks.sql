-- Step 4 of 6, indicator checks: values whose inputs pass but which are implausible.
--
-- Input: indicators, indicator_catalogue, thresholds. Output: warnings added to
-- validation_findings (resource 'indicators') and to the flags and flag_note of the
-- values they concern. The thresholds table says why each limit has its value.

CREATE TEMP TABLE indicator_warnings AS
WITH
limits AS (
    SELECT max(value) FILTER (WHERE rule = 'max_share_pct') AS max_share,
           max(value) FILTER (WHERE rule = 'min_denominator_for_share') AS min_denominator,
           max(value) FILTER (WHERE rule = 'max_indicator_jump_pct') / 100 AS max_jump,
           max(value) FILTER (WHERE rule = 'series_outlier_factor') AS outlier_factor,
           max(value) FILTER (WHERE rule = 'min_series_values') AS min_values
    FROM thresholds
),
computed AS (
    SELECT i.*, c.kind, c.tolerance_pct,
           lag(i.value) OVER series AS previous_value,
           lag(i.year) OVER series AS previous_year,
           lead(i.value) OVER series AS next_value,
           lead(i.year) OVER series AS next_year,
           median(i.value) OVER country AS series_median,
           count(*) OVER country AS series_values
    FROM indicators AS i
    JOIN indicator_catalogue AS c USING (indicator)
    WHERE i.method = 'computed'
    WINDOW series AS (PARTITION BY i.iso3, i.indicator ORDER BY i.year),
           country AS (PARTITION BY i.iso3, i.indicator)
)
SELECT iso3, year, indicator, 'indicator-share-at-limit' AS "check", value,
       printf('%.1f%% of %d is (nearly) all of them: a part copied into the total, or the '
              || 'total into a part?', value, denominator) AS message
FROM computed, limits
WHERE kind = 'share' AND value >= max_share AND denominator >= min_denominator
UNION ALL
SELECT iso3, year, indicator, 'indicator-jump', value,
       printf('%.4g in %d against %.4g in %d and %.4g in %d: a spike of more than %g%% '
              || 'against both neighbouring years', value, year, previous_value,
              previous_year, next_value, next_year, max_jump * 100)
FROM computed, limits
WHERE kind <> 'count' AND previous_year = year - 1 AND next_year = year + 1
  AND previous_value > 0 AND next_value > 0
  AND ((value > previous_value * (1 + max_jump) AND value > next_value * (1 + max_jump))
    OR (value < previous_value * (1 - max_jump) AND value < next_value * (1 - max_jump)))
UNION ALL
SELECT iso3, year, indicator, 'indicator-outside-series', value,
       printf('%.4g is more than %g times away from the median of the country''s own series '
              || '(%.4g over %d years)', value, outlier_factor, series_median, series_values)
FROM computed, limits
WHERE kind <> 'count' AND series_values >= min_values AND series_median > 0
  AND (value > series_median * outlier_factor OR value < series_median / outlier_factor)
UNION ALL
SELECT c.iso3, c.year, c.indicator, 'published-value-differs', c.value,
       printf('%.4g computed; %s publishes %.4g (%+.1f%%, tolerance %g%%)', c.value,
              p.source, p.value, 100.0 * (c.value - p.value) / p.value, c.tolerance_pct)
FROM computed AS c
JOIN indicators AS p
  ON p.iso3 = c.iso3 AND p.year = c.year AND p.indicator = c.indicator
 AND p.method = 'published'
WHERE c.tolerance_pct IS NOT NULL AND p.value > 0
  AND abs(c.value - p.value) > c.tolerance_pct / 100.0 * p.value;

INSERT INTO validation_findings
SELECT 'warning', "check", 'indicators', 'indicators (computed by the build)', NULL,
       indicator, CAST(round(value, 4) AS VARCHAR),
       iso3 || ' ' || year || ' ' || indicator || ': ' || message
FROM indicator_warnings
ORDER BY "check", iso3, indicator, year;

UPDATE indicators AS i
SET flags = (SELECT string_agg(DISTINCT f, ', ' ORDER BY f)
             FROM (SELECT unnest(string_split(concat_ws(', ', i.flags, w.flags), ', ')) AS f)),
    flag_note = concat_ws('; ', i.flag_note, w.notes)
FROM (
    SELECT iso3, year, indicator, string_agg("check", ', ' ORDER BY "check") AS flags,
           string_agg('value: ' || message, '; ' ORDER BY "check") AS notes
    FROM indicator_warnings
    GROUP BY iso3, year, indicator
) AS w
WHERE i.iso3 = w.iso3 AND i.year = w.year AND i.indicator = w.indicator
  AND i.method = 'computed';

DROP TABLE indicator_warnings;
