-- Step 2 of 6, ICCS counts: national offence counts mapped to the ICCS, at every level.
--
-- Input: national_offences, iccs_correspondence, iccs, obs_status, homicide.
-- Output: the rows of the iccs_counts table (created by the build from
-- schemas/build/iccs_counts.schema.json) and the view homicide_vs_national_offences.
-- Each national count is added to its ICCS code and to every code above it, so a Level 3
-- count is also in its Level 2 and Level 1 totals. A count is 'full' only when every
-- national category in it maps fully.

INSERT INTO iccs_counts
WITH RECURSIVE
-- Every ICCS code with itself and each of its ancestors.
lineage (code, ancestor) AS (
    SELECT code, code FROM iccs
    UNION ALL
    SELECT l.code, i.parent_code
    FROM lineage AS l
    JOIN iccs AS i ON i.code = l.ancestor
    WHERE i.parent_code IS NOT NULL
),
mapped AS (
    SELECT n.iso3, n.year, n.counting_unit, n.national_code, n.value,
           coalesce(n.obs_status, 'A') AS obs_status, c.iccs_code, c.match
    FROM national_offences AS n
    JOIN iccs_correspondence AS c ON c.iso3 = n.iso3 AND c.national_code = n.national_code
)
SELECT
    m.iso3,
    m.year,
    l.ancestor AS iccs_code,
    i.level,
    m.counting_unit,
    sum(m.value) AS value,
    count(*) AS national_categories,
    array_to_string(list_sort(list(m.national_code)), ', ') AS national_codes,
    CASE WHEN bool_and(m.match = 'full') THEN 'full' ELSE 'partial' END AS comparability,
    100.0 * coalesce(sum(m.value) FILTER (WHERE m.match = 'full'), 0)
        / nullif(sum(m.value), 0) AS fully_mapped_share,
    arg_min(m.obs_status, s.precedence) AS obs_status
FROM mapped AS m
JOIN lineage AS l ON l.code = m.iccs_code
JOIN iccs AS i ON i.code = l.ancestor
JOIN obs_status AS s ON s.code = m.obs_status
GROUP BY m.iso3, m.year, l.ancestor, i.level, m.counting_unit
ORDER BY m.iso3, m.year, l.ancestor, m.counting_unit;

CREATE VIEW homicide_vs_national_offences AS
SELECT h.iso3,
       h.year,
       h.iccs_code,
       h.victims AS homicide_victims,
       n.value AS national_offences_victims,
       n.value - h.victims AS difference,
       100.0 * (n.value - h.victims) / nullif(h.victims, 0) AS difference_pct,
       n.comparability,
       n.national_codes
FROM homicide AS h
JOIN iccs_counts AS n
  ON n.iso3 = h.iso3 AND n.year = h.year AND n.iccs_code = h.iccs_code
 AND n.counting_unit = 'victims'
WHERE h.sex = '_T' AND h.mechanism = '_T';

COMMENT ON VIEW homicide_vs_national_offences IS
    'Homicide victims as submitted in the homicide table next to the victims of the national categories mapped to the same ICCS code, for every country-year that has both: one row per country, year and ICCS code. A gap shows where the two sources or the mapping disagree.';
COMMENT ON COLUMN homicide_vs_national_offences.iso3 IS 'ISO 3166-1 alpha-3 code of the member state.';
COMMENT ON COLUMN homicide_vs_national_offences.year IS 'Calendar year.';
COMMENT ON COLUMN homicide_vs_national_offences.iccs_code IS 'The ICCS code compared (0101, 0102 or 0103).';
COMMENT ON COLUMN homicide_vs_national_offences.homicide_victims IS 'Victims in the homicide table (both sexes, all mechanisms).';
COMMENT ON COLUMN homicide_vs_national_offences.national_offences_victims IS 'Victims counted under the national categories mapped to the ICCS code (iccs_counts).';
COMMENT ON COLUMN homicide_vs_national_offences.difference IS 'national_offences_victims minus homicide_victims.';
COMMENT ON COLUMN homicide_vs_national_offences.difference_pct IS 'The difference as a percentage of homicide_victims; empty when there are none.';
COMMENT ON COLUMN homicide_vs_national_offences.comparability IS 'full or partial: whether every national category maps fully (see iccs_counts).';
COMMENT ON COLUMN homicide_vs_national_offences.national_codes IS 'The national categories counted.';
