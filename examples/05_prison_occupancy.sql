-- Prison occupancy: the most overcrowded prison systems in the latest year with data,
-- next to their prison population rate and unsentenced share.
WITH latest AS (SELECT max(year) AS year FROM indicators WHERE indicator = 'occupancy_rate')
SELECT w.country,
       w.year,
       round(w.occupancy_rate, 1) AS occupancy_pct,
       round(w.prison_rate, 1) AS prison_rate,
       round(w.unsentenced_share, 1) AS unsentenced_pct
FROM indicators_wide AS w
JOIN latest USING (year)
WHERE w.occupancy_rate IS NOT NULL
ORDER BY w.occupancy_rate DESC
LIMIT 8;
