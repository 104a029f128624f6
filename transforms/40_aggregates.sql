-- Step 5 of 6, aggregates: indicators for the OAS, its subregions and the UN M49 subregions.
--
-- Input: indicators, indicator_catalogue, countries, stg_measures (population), obs_status,
-- thresholds. Output: region_membership and the rows of the regional_indicators table
-- (created by the build from schemas/build/regional_indicators.schema.json).
-- Only indicators whose catalogue entry says ratio_of_sums are aggregated: the sum of the
-- numerators over the sum of the denominators of the member states with data, which for a
-- rate per population is the population-weighted mean of the national rates. Each row says
-- how many states and what share of the region's population the aggregate covers; below
-- the thresholds table's minimum coverage it is flagged aggregate-low-coverage, and the
-- wide view leaves it out.

CREATE TABLE region_membership AS
SELECT 'oas' AS grouping, 'OAS' AS region, iso3 FROM countries
UNION ALL
SELECT 'oas_subregion', subregion, iso3 FROM countries
UNION ALL
SELECT 'm49_subregion', m49_subregion, iso3 FROM countries
ORDER BY grouping, region, iso3;

COMMENT ON TABLE region_membership IS
    'Which member states make each region of each grouping: oas (all 35), oas_subregion (the package''s own subregions, countries.subregion: Mexico is in North America) and m49_subregion (UN M49 as UNODC uses it, countries.m49_subregion: Mexico is in Central America, Northern America is Canada and the United States). One row per grouping, region and member state.';
COMMENT ON COLUMN region_membership.grouping IS 'The set of regions: oas, oas_subregion or m49_subregion.';
COMMENT ON COLUMN region_membership.region IS 'The region.';
COMMENT ON COLUMN region_membership.iso3 IS 'A member state of the region (ISO 3166-1 alpha-3).';

INSERT INTO regional_indicators
WITH
limits AS (
    SELECT max(value) FILTER (WHERE rule = 'regional_min_population_coverage_pct') AS min_coverage,
           max(value) FILTER (WHERE rule = 'regional_min_countries') AS min_countries
    FROM thresholds
),
members AS (
    SELECT grouping, region, count(*) AS countries_in_region
    FROM region_membership GROUP BY grouping, region
),
population AS (
    SELECT r.grouping, r.region, p.iso3, p.year, p.value AS population
    FROM region_membership AS r
    JOIN stg_measures AS p ON p.iso3 = r.iso3 AND p.measure = 'population'
),
region_population AS (
    SELECT grouping, region, year, sum(population) AS population_total,
           count(*) AS countries_with_population
    FROM population
    GROUP BY grouping, region, year
),
aggregated AS (
    SELECT r.grouping, r.region, i.year, i.indicator,
           sum(i.numerator) AS numerator,
           sum(i.denominator) AS denominator,
           arg_min(i.obs_status, s.precedence) AS obs_status,
           count(*) AS countries_with_data,
           sum(p.population) AS population_covered
    FROM indicators AS i
    JOIN indicator_catalogue AS c
      ON c.indicator = i.indicator AND c.regional_aggregate = 'ratio_of_sums'
    JOIN region_membership AS r ON r.iso3 = i.iso3 AND i.method = 'computed'
    JOIN obs_status AS s ON s.code = i.obs_status
    LEFT JOIN population AS p
      ON p.grouping = r.grouping AND p.region = r.region AND p.iso3 = i.iso3
     AND p.year = i.year
    GROUP BY r.grouping, r.region, i.year, i.indicator
),
measured AS (
    SELECT a.*, m.countries_in_region, rp.population_total, rp.countries_with_population,
           100.0 * a.population_covered / rp.population_total AS population_coverage
    FROM aggregated AS a
    JOIN members AS m USING (grouping, region)
    LEFT JOIN region_population AS rp USING (grouping, region, year)
)
SELECT
    a.grouping,
    a.region,
    a.year,
    a.indicator,
    CAST(a.numerator AS DOUBLE) / a.denominator * c.multiplier AS value,
    c.unit,
    a.numerator,
    a.denominator,
    a.obs_status,
    a.countries_with_data,
    a.countries_in_region,
    a.population_covered,
    a.population_total,
    a.population_coverage,
    CASE WHEN coalesce(a.countries_with_population, 0) < a.countries_in_region
         THEN printf('%d of the %d member states have no population figure for the year: '
                     || 'the coverage is a share of the others'' population',
                     a.countries_in_region - coalesce(a.countries_with_population, 0),
                     a.countries_in_region)
    END AS comparability_note,
    CASE WHEN coalesce(a.population_coverage, 0) < l.min_coverage
           OR a.countries_with_data < l.min_countries
         THEN 'aggregate-low-coverage' END AS flags,
    CASE WHEN coalesce(a.population_coverage, 0) < l.min_coverage
           OR a.countries_with_data < l.min_countries
         THEN printf('%d of %d member states with data, %.1f%% of the population: below the '
                     || 'thresholds (%g%% of the population, %g states); the value describes '
                     || 'the countries that reported, not the region',
                     a.countries_with_data, a.countries_in_region,
                     coalesce(a.population_coverage, 0), l.min_coverage, l.min_countries)
    END AS flag_note
FROM measured AS a
JOIN indicator_catalogue AS c ON c.indicator = a.indicator
CROSS JOIN limits AS l
WHERE a.denominator > 0
ORDER BY a.grouping, a.region, a.year, a.indicator;
