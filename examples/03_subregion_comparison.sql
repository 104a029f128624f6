-- Subregion comparison: population-weighted homicide and prison rates in 2022, with how
-- much of each region's population the countries with data cover.
SELECT region,
       indicator,
       round(value, 1) AS value,
       countries_with_data || ' of ' || countries_in_region AS countries,
       round(population_coverage, 1) AS population_covered_pct
FROM regional_indicators
WHERE year = 2022 AND indicator IN ('homicide_rate', 'prison_rate')
ORDER BY indicator, value DESC;
