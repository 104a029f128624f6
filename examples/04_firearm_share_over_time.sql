-- Firearm share over time: percentage of homicide victims killed with a firearm, OAS-wide,
-- every third year, with the population coverage of the countries that report mechanisms.
SELECT year,
       round(value, 1) AS firearm_share_pct,
       countries_with_data AS countries,
       round(population_coverage, 1) AS population_covered_pct
FROM regional_indicators
WHERE region = 'OAS' AND indicator = 'firearm_homicide_share' AND year % 3 = 0
ORDER BY year;
