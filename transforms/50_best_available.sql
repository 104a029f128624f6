-- Step 6 of 6, best available: one value per country, year and indicator.
--
-- Input: indicators. Output: the view best_available. The rule: the value computed from
-- the submitted counts when there is one; otherwise the published series that reaches the
-- most recent year for the country and indicator (then the longer one, then by name).

CREATE VIEW best_available AS
WITH
published_series AS (
    SELECT iso3, indicator, source, max(year) AS last_year, count(*) AS series_values
    FROM indicators WHERE method = 'published'
    GROUP BY iso3, indicator, source
),
candidates AS (
    SELECT i.*,
           CASE WHEN i.method = 'computed' THEN 0 ELSE 1 END AS method_rank,
           s.last_year, s.series_values
    FROM indicators AS i
    LEFT JOIN published_series AS s USING (iso3, indicator, source)
)
SELECT iso3, year, indicator, value, unit, method, obs_status, flags, flag_note,
       comparability_note, source, numerator_source_id AS source_id,
       CASE WHEN method = 'computed'
            THEN 'computed from the submitted counts (preferred over published values)'
            ELSE printf('no computed value; published series reaching %d (%d values), the '
                        || 'most recent of %d published for this country and indicator',
                        last_year, series_values,
                        count(*) OVER (PARTITION BY iso3, year, indicator))
       END AS chosen_because
FROM candidates
QUALIFY row_number() OVER (PARTITION BY iso3, year, indicator
                           ORDER BY method_rank, last_year DESC, series_values DESC,
                                    source) = 1
ORDER BY iso3, indicator, year;

COMMENT ON VIEW best_available IS
    'One value per country, year and indicator: the value computed from the submitted counts where there is one, otherwise the published series reaching the most recent year for the country and indicator. chosen_because says which rule picked the value; flags and obs_status travel with it. Use it for one series per country without double counting computed and published values.';
COMMENT ON COLUMN best_available.iso3 IS 'ISO 3166-1 alpha-3 code of the member state.';
COMMENT ON COLUMN best_available.year IS 'Calendar year.';
COMMENT ON COLUMN best_available.indicator IS 'The indicator (see indicator_catalogue).';
COMMENT ON COLUMN best_available.value IS 'The value chosen.';
COMMENT ON COLUMN best_available.unit IS 'Unit of the value.';
COMMENT ON COLUMN best_available.method IS 'computed or published (see indicators).';
COMMENT ON COLUMN best_available.obs_status IS 'SDMX OBS_STATUS of the value.';
COMMENT ON COLUMN best_available.flags IS 'What limits the trust in the value (see indicators.flags); empty when nothing is against it.';
COMMENT ON COLUMN best_available.flag_note IS 'The flags in words.';
COMMENT ON COLUMN best_available.comparability_note IS 'What to know before comparing the value.';
COMMENT ON COLUMN best_available.source IS 'The source of the value (the publisher for published values).';
COMMENT ON COLUMN best_available.source_id IS 'The source of the value (numerator) in the sources table.';
COMMENT ON COLUMN best_available.chosen_because IS 'The rule that picked this value over the others for the same country, year and indicator.';

-- Every population series beside the one the rates use.
CREATE VIEW population_comparison AS
SELECT d.iso3, d.year, d.sex, d.population AS used_population, d.source AS used_source,
       p.population AS other_population, p.source AS other_source,
       100.0 * (p.population - d.population) / nullif(d.population, 0) AS difference_pct
FROM denominators AS d
JOIN population AS p
  ON p.iso3 = d.iso3 AND p.year = d.year AND p.sex = d.sex AND p.source <> d.source
ORDER BY d.iso3, d.year, d.sex, p.source;

COMMENT ON VIEW population_comparison IS
    'Each population series the rates do not use, beside the one they use (denominators), for the same country, year and sex: how far a rate would move with the other series.';
COMMENT ON COLUMN population_comparison.iso3 IS 'ISO 3166-1 alpha-3 code of the member state.';
COMMENT ON COLUMN population_comparison.year IS 'Calendar year.';
COMMENT ON COLUMN population_comparison.sex IS 'Sex (SDMX CL_SEX).';
COMMENT ON COLUMN population_comparison.used_population IS 'The population the rates are divided by.';
COMMENT ON COLUMN population_comparison.used_source IS 'Its series.';
COMMENT ON COLUMN population_comparison.other_population IS 'The population of another series.';
COMMENT ON COLUMN population_comparison.other_source IS 'That series.';
COMMENT ON COLUMN population_comparison.difference_pct IS 'other_population minus used_population, in % of used_population.';
