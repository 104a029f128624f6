-- Trend of one country: Mexico's homicide rates by sex since 2015, with the status of the total.
SELECT w.year,
       round(w.homicide_rate, 1) AS homicide_rate,
       round(w.homicide_rate_male, 1) AS male,
       round(w.homicide_rate_female, 1) AS female,
       i.obs_status
FROM indicators_wide AS w
JOIN indicators AS i
  ON i.iso3 = w.iso3 AND i.year = w.year AND i.indicator = 'homicide_rate'
 AND i.method = 'computed'
WHERE w.iso3 = 'MEX' AND w.year >= 2015
ORDER BY w.year;
