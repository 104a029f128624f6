-- Ranking in a year: the ten highest homicide rates in 2022.
SELECT rank() OVER (ORDER BY i.value DESC) AS rank,
       c.name_en AS country,
       round(i.value, 1) AS homicide_rate,
       i.numerator AS victims,
       i.obs_status
FROM indicators AS i
JOIN countries AS c ON c.iso3 = i.iso3
WHERE i.indicator = 'homicide_rate' AND i.method = 'computed' AND i.year = 2022
ORDER BY rank
LIMIT 10;
