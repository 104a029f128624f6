-- Step 4 of 4, aggregates: indicators for the four OAS subregions and the whole OAS.
--
-- Input: indicators, indicator_catalogue, countries, stg_measures (population), obs_status.
-- Output: rows of the regional_indicators table (created by the build from
-- schemas/build/regional_indicators.schema.json).
-- Only indicators whose catalogue entry says ratio_of_sums are aggregated: the sum of the
-- numerators over the sum of the denominators of the member states with data, which for a
-- rate per population is the population-weighted mean of the national rates. Each row says
-- how many states and what share of the region's population the aggregate covers.

INSERT INTO regional_indicators
WITH
regions AS (
    SELECT iso3, subregion AS region FROM countries
    UNION ALL
    SELECT iso3, 'OAS' FROM countries
),
members AS (
    SELECT region, count(*) AS countries_in_region FROM regions GROUP BY region
),
population AS (
    SELECT r.region, p.iso3, p.year, p.value AS population
    FROM regions AS r
    JOIN stg_measures AS p ON p.iso3 = r.iso3 AND p.measure = 'population'
),
region_population AS (
    SELECT region, year, sum(population) AS population_total,
           count(*) AS countries_with_population
    FROM population
    GROUP BY region, year
),
aggregated AS (
    SELECT r.region, i.year, i.indicator,
           sum(i.numerator) AS numerator,
           sum(i.denominator) AS denominator,
           arg_min(i.obs_status, s.precedence) AS obs_status,
           count(*) AS countries_with_data,
           sum(p.population) AS population_covered
    FROM indicators AS i
    JOIN indicator_catalogue AS c
      ON c.indicator = i.indicator AND c.regional_aggregate = 'ratio_of_sums'
    JOIN regions AS r ON r.iso3 = i.iso3 AND i.method = 'computed'
    JOIN obs_status AS s ON s.code = i.obs_status
    LEFT JOIN population AS p ON p.region = r.region AND p.iso3 = i.iso3 AND p.year = i.year
    GROUP BY r.region, i.year, i.indicator
)
SELECT
    a.region,
    a.year,
    a.indicator,
    CAST(a.numerator AS DOUBLE) / a.denominator * c.multiplier AS value,
    c.unit,
    a.numerator,
    a.denominator,
    a.obs_status,
    a.countries_with_data,
    m.countries_in_region,
    a.population_covered,
    rp.population_total,
    100.0 * a.population_covered / rp.population_total AS population_coverage,
    CASE WHEN coalesce(rp.countries_with_population, 0) < m.countries_in_region
         THEN printf('%d of the %d member states have no population figure for the year: '
                     || 'the coverage is a share of the others'' population',
                     m.countries_in_region - coalesce(rp.countries_with_population, 0),
                     m.countries_in_region)
    END AS comparability_note
FROM aggregated AS a
JOIN indicator_catalogue AS c ON c.indicator = a.indicator
JOIN members AS m ON m.region = a.region
LEFT JOIN region_population AS rp ON rp.region = a.region AND rp.year = a.year
WHERE a.denominator > 0
ORDER BY a.region, a.year, a.indicator;
