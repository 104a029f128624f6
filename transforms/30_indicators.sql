-- Step 3 of 6, indicators: one row per country, year and indicator.
--
-- Input: stg_measures, indicator_catalogue, obs_status, published_indicators,
-- validation_findings (what was found on each input row becomes the value's flags).
-- Output: indicator_left_out, the rows of the indicators table (created by the build from
-- schemas/build/indicators.schema.json), and the view published_comparison.
-- Each catalogue entry is numerator / denominator x multiplier over the same country-year,
-- or the numerator itself for counts. No value where the denominator is missing or zero.

-- Cases an indicator leaves out of its numerator, which a reader of a value should know of:
-- the build writes their number into the row's comparability_note.
CREATE TABLE indicator_left_out (
    indicator VARCHAR NOT NULL REFERENCES indicator_catalogue (indicator),
    measure VARCHAR NOT NULL REFERENCES stg_measure_definitions (measure),
    consequence VARCHAR NOT NULL,
    PRIMARY KEY (indicator, measure)
);

INSERT INTO indicator_left_out VALUES
    ('homicide_rate_male', 'homicide_victims_unknown_sex',
     'victims of unknown sex are in neither the male nor the female rate'),
    ('homicide_rate_female', 'homicide_victims_unknown_sex',
     'victims of unknown sex are in neither the male nor the female rate'),
    ('firearm_homicide_share', 'homicide_victims_unknown_mechanism',
     'victims of unknown mechanism: the firearm share is a lower bound'),
    ('firearm_homicide_rate', 'homicide_victims_unknown_mechanism',
     'victims of unknown mechanism: the firearm rate is a lower bound'),
    ('female_prison_share', 'persons_held_unknown_sex',
     'persons held of unknown sex count in the denominator only');

COMMENT ON TABLE indicator_left_out IS
    'Cases an indicator leaves out of its numerator (one row per indicator and measure); where a country-year has any, their number goes into the indicator''s comparability_note.';
COMMENT ON COLUMN indicator_left_out.indicator IS 'The indicator (see indicator_catalogue).';
COMMENT ON COLUMN indicator_left_out.measure IS 'The measure counting the cases left out (see stg_measure_definitions).';
COMMENT ON COLUMN indicator_left_out.consequence IS 'What leaving them out means for the value; the note reads "<number> <consequence>".';

-- The catalogue must name only measures that staging defines, with the same ICCS code.
SELECT error('indicator_catalogue: ' || indicator || ' names the measure ''' || measure
             || ''', which transforms/10_staging.sql does not define')
FROM (
    SELECT indicator, numerator AS measure FROM indicator_catalogue
    UNION ALL
    SELECT indicator, denominator FROM indicator_catalogue WHERE denominator IS NOT NULL
    UNION ALL
    SELECT indicator, fallback_numerator FROM indicator_catalogue
    WHERE fallback_numerator IS NOT NULL
    UNION ALL
    SELECT indicator, fallback_denominator FROM indicator_catalogue
    WHERE fallback_denominator IS NOT NULL
)
WHERE measure NOT IN (SELECT measure FROM stg_measure_definitions);

SELECT error('indicator_catalogue: ' || c.indicator || ' has ICCS code '
             || coalesce(c.iccs_code, 'none') || ' but its numerator ' || c.numerator
             || ' counts ICCS ' || coalesce(d.iccs_code, 'none'))
FROM indicator_catalogue AS c
JOIN stg_measure_definitions AS d ON d.measure = c.numerator
WHERE c.iccs_code IS DISTINCT FROM d.iccs_code;

-- Each indicator's numerator and denominator, and its fallback pair where the catalogue
-- names one: a country-year takes the first pair it has both parts of.
CREATE TEMP TABLE indicator_inputs AS
WITH
pairs AS (
    SELECT indicator, numerator, denominator, CAST(NULL AS VARCHAR) AS pair_note,
           1 AS preference
    FROM indicator_catalogue
    UNION ALL
    SELECT indicator, fallback_numerator, fallback_denominator, fallback_note, 2
    FROM indicator_catalogue WHERE fallback_numerator IS NOT NULL
),
paired AS (
    SELECT c.indicator, n.iso3, n.year, c.unit, c.multiplier,
           pr.denominator IS NULL AS is_count, pr.pair_note, pr.preference,
           n.value AS numerator, d.value AS denominator,
           n.obs_status AS numerator_status, coalesce(d.obs_status, 'A') AS denominator_status,
           n.source AS numerator_source, d.source AS denominator_source,
           n.source_id AS numerator_source_id, d.source_id AS denominator_source_id,
           n.note AS numerator_note, d.note AS denominator_note,
           n.resource AS numerator_resource, n.input_row AS numerator_row,
           d.resource AS denominator_resource, d.input_row AS denominator_row,
           coalesce(d.is_break, false) AS denominator_break
    FROM pairs AS pr
    JOIN indicator_catalogue AS c ON c.indicator = pr.indicator
    JOIN stg_measures AS n ON n.measure = pr.numerator
    LEFT JOIN stg_measures AS d
      ON d.measure = pr.denominator AND d.iso3 = n.iso3 AND d.year = n.year
    WHERE pr.denominator IS NULL OR d.value > 0
)
SELECT * FROM paired
QUALIFY row_number() OVER (PARTITION BY indicator, iso3, year ORDER BY preference) = 1;

-- What is against each input: the findings on its row, its own obs_status when it is not
-- A, and a change of population series. One row per indicator, country, year and flag.
CREATE TEMP TABLE input_flags AS
WITH
inputs AS (
    SELECT indicator, iso3, year, 'numerator' AS role, numerator_resource AS resource,
           numerator_row AS input_row, numerator_status AS status, false AS is_break
    FROM indicator_inputs
    UNION ALL
    SELECT indicator, iso3, year, 'denominator', denominator_resource, denominator_row,
           denominator_status, denominator_break
    FROM indicator_inputs WHERE denominator_resource IS NOT NULL
)
SELECT i.indicator, i.iso3, i.year, f."check" AS flag,
       i.role || ' (' || f.file || ' row ' || f.row || '): ' || f.message AS detail
FROM inputs AS i
JOIN validation_findings AS f ON f.resource = i.resource AND f.row = i.input_row
UNION ALL
SELECT i.indicator, i.iso3, i.year, 'input-status-' || i.status,
       i.role || ' has obs_status ' || i.status || ' (' || s.label || ')'
FROM inputs AS i
JOIN obs_status AS s ON s.code = i.status
WHERE i.status <> 'A' AND NOT i.is_break
UNION ALL
SELECT indicator, iso3, year, 'population-series-break',
       'the population series changes in this year (see denominators)'
FROM inputs WHERE is_break;

INSERT INTO indicators
WITH
caveats AS (
    SELECT l.indicator, u.iso3, u.year,
           printf('%d %s', u.value, l.consequence)
           || CASE WHEN u.implied THEN ' (implied: the total minus male and female, no unknown '
                                    || 'given)' ELSE '' END AS caveat
    FROM indicator_left_out AS l
    JOIN (
        SELECT measure, iso3, year, value, false AS implied FROM stg_measures
        UNION ALL
        -- Victims of unknown sex a country does not give are the total's shortfall.
        SELECT 'homicide_victims_unknown_sex', t.iso3, t.year, t.value - m.value - f.value,
               true
        FROM stg_measures AS t
        JOIN stg_measures AS m
          ON m.measure = 'homicide_victims_male' AND m.iso3 = t.iso3 AND m.year = t.year
        JOIN stg_measures AS f
          ON f.measure = 'homicide_victims_female' AND f.iso3 = t.iso3 AND f.year = t.year
        WHERE t.measure = 'homicide_victims'
          AND NOT EXISTS (SELECT 1 FROM stg_measures AS u
                          WHERE u.measure = 'homicide_victims_unknown_sex'
                            AND u.iso3 = t.iso3 AND u.year = t.year)
    ) AS u ON u.measure = l.measure
    WHERE u.value > 0
),
flagged AS (
    SELECT indicator, iso3, year,
           string_agg(DISTINCT flag, ', ' ORDER BY flag) AS flags,
           string_agg(DISTINCT detail, '; ' ORDER BY detail) AS flag_note
    FROM input_flags
    GROUP BY indicator, iso3, year
)
SELECT
    p.iso3,
    p.year,
    p.indicator,
    'computed' AS method,
    CASE WHEN p.is_count THEN CAST(p.numerator AS DOUBLE)
         ELSE CAST(p.numerator AS DOUBLE) / p.denominator * p.multiplier END AS value,
    p.unit,
    p.numerator,
    p.denominator,
    CASE WHEN sn.precedence <= sd.precedence THEN p.numerator_status
         ELSE p.denominator_status END AS obs_status,
    nullif(concat_ws('; ', p.pair_note, c.caveat,
                     'numerator: ' || p.numerator_note,
                     'denominator: ' || p.denominator_note), '') AS comparability_note,
    p.numerator_source AS source,
    p.denominator_source,
    p.numerator_source_id,
    p.denominator_source_id,
    f.flags,
    f.flag_note
FROM indicator_inputs AS p
JOIN obs_status AS sn ON sn.code = p.numerator_status
JOIN obs_status AS sd ON sd.code = p.denominator_status
LEFT JOIN caveats AS c USING (indicator, iso3, year)
LEFT JOIN flagged AS f USING (indicator, iso3, year)
ORDER BY p.iso3, p.year, p.indicator;

-- Values published by named sources, next to the package's own.
INSERT INTO indicators
SELECT p.iso3, p.year, p.indicator, 'published', p.value, c.unit, NULL, NULL, 'A', p.note,
       p.source, NULL, p.source_id, NULL, NULL, NULL
FROM published_indicators AS p
JOIN indicator_catalogue AS c ON c.indicator = p.indicator
ORDER BY p.iso3, p.year, p.indicator, p.source;

CREATE VIEW published_comparison AS
SELECT own.iso3,
       own.year,
       own.indicator,
       own.value AS computed_value,
       pub.value AS published_value,
       pub.source AS published_by,
       own.value - pub.value AS difference,
       100.0 * (own.value - pub.value) / nullif(pub.value, 0) AS difference_pct,
       c.tolerance_pct,
       abs(own.value - pub.value) > c.tolerance_pct / 100.0 * pub.value AS beyond_tolerance,
       own.source AS computed_from
FROM indicators AS own
JOIN indicators AS pub
  ON pub.iso3 = own.iso3 AND pub.year = own.year AND pub.indicator = own.indicator
 AND pub.method = 'published'
JOIN indicator_catalogue AS c ON c.indicator = own.indicator
WHERE own.method = 'computed';

COMMENT ON VIEW published_comparison IS
    'Every value the package computes next to the same indicator as published by a named source, for the same country and year: one row per country, year, indicator and publisher. beyond_tolerance marks differences larger than the catalogue''s tolerance_pct (population sources and rounding differ).';
COMMENT ON COLUMN published_comparison.iso3 IS 'ISO 3166-1 alpha-3 code of the member state.';
COMMENT ON COLUMN published_comparison.year IS 'Calendar year.';
COMMENT ON COLUMN published_comparison.indicator IS 'The indicator (see indicator_catalogue).';
COMMENT ON COLUMN published_comparison.computed_value IS 'The value the package computes.';
COMMENT ON COLUMN published_comparison.published_value IS 'The value as published.';
COMMENT ON COLUMN published_comparison.published_by IS 'The publisher of the published value.';
COMMENT ON COLUMN published_comparison.difference IS 'computed_value minus published_value, in the indicator''s unit.';
COMMENT ON COLUMN published_comparison.difference_pct IS 'The difference in % of the published value.';
COMMENT ON COLUMN published_comparison.tolerance_pct IS 'The catalogue''s tolerance for this indicator; empty when none is set.';
COMMENT ON COLUMN published_comparison.beyond_tolerance IS 'true when the difference exceeds the tolerance; empty when no tolerance is set.';
COMMENT ON COLUMN published_comparison.computed_from IS 'The sources of the computed value.';

-- Working tables of this step, not part of the database.
DROP TABLE input_flags;
DROP TABLE indicator_inputs;
