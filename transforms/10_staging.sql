-- Step 1 of 6, staging: the measures indicators are built from, one long table.
--
-- Input: the validated package tables (homicide, prison, firearms), and the population
-- each rate is divided by (denominators: one chosen series per country and sex).
-- Output: stg_measure_definitions (which rows of which table make each measure) and
-- stg_measures (one row per measure, country and year).
-- The indicator catalogue names these measures as numerators and denominators.

CREATE TABLE stg_measure_definitions (
    measure VARCHAR PRIMARY KEY,
    source_table VARCHAR NOT NULL,
    iccs_code VARCHAR,
    sex VARCHAR,
    mechanism VARCHAR,
    prison_measure VARCHAR,
    action VARCHAR,
    item VARCHAR,
    marking_status VARCHAR,
    description VARCHAR NOT NULL
);

INSERT INTO stg_measure_definitions VALUES
    ('population', 'population', NULL, '_T', NULL, NULL, NULL, NULL, NULL,
     'Total resident population, both sexes'),
    ('population_male', 'population', NULL, 'M', NULL, NULL, NULL, NULL, NULL,
     'Male resident population'),
    ('population_female', 'population', NULL, 'F', NULL, NULL, NULL, NULL, NULL,
     'Female resident population'),
    ('homicide_victims', 'homicide', '0101', '_T', '_T', NULL, NULL, NULL, NULL,
     'Victims of intentional homicide, both sexes, all mechanisms'),
    ('homicide_victims_male', 'homicide', '0101', 'M', '_T', NULL, NULL, NULL, NULL,
     'Male victims of intentional homicide, all mechanisms'),
    ('homicide_victims_female', 'homicide', '0101', 'F', '_T', NULL, NULL, NULL, NULL,
     'Female victims of intentional homicide, all mechanisms'),
    ('homicide_victims_unknown_sex', 'homicide', '0101', '_U', '_T', NULL, NULL, NULL, NULL,
     'Victims of intentional homicide whose sex is unknown'),
    ('homicide_victims_firearm', 'homicide', '0101', '_T', 'firearm', NULL, NULL, NULL, NULL,
     'Victims of intentional homicide killed with a firearm, both sexes'),
    ('homicide_victims_unknown_mechanism', 'homicide', '0101', '_T', '_U', NULL, NULL, NULL, NULL,
     'Victims of intentional homicide whose mechanism is unknown, both sexes'),
    ('persons_held', 'prison', NULL, '_T', NULL, 'persons_held', NULL, NULL, NULL,
     'Persons held, both sexes'),
    ('persons_held_female', 'prison', NULL, 'F', NULL, 'persons_held', NULL, NULL, NULL,
     'Female persons held'),
    ('persons_held_unknown_sex', 'prison', NULL, '_U', NULL, 'persons_held', NULL, NULL, NULL,
     'Persons held whose sex is unknown'),
    ('persons_held_unsentenced', 'prison', NULL, '_T', NULL, 'unsentenced', NULL, NULL, NULL,
     'Persons held not yet sentenced, both sexes'),
    ('prison_capacity', 'prison', NULL, '_T', NULL, 'official_capacity', NULL, NULL, NULL,
     'Official capacity of the prison system (places)'),
    ('persons_held_adult', 'prison', NULL, '_T', NULL, 'persons_held_adult', NULL, NULL, NULL,
     'Adult persons held, both sexes'),
    ('prison_capacity_adult', 'prison', NULL, '_T', NULL, 'official_capacity_adult', NULL, NULL,
     NULL, 'Official capacity of the facilities for adults (places)'),
    ('firearms_marked', 'firearms', NULL, NULL, NULL, NULL, 'marked', 'firearms', '_T',
     'Firearms marked, all marking statuses'),
    ('firearms_destroyed', 'firearms', NULL, NULL, NULL, NULL, 'destroyed', 'firearms', '_T',
     'Firearms destroyed, all marking statuses'),
    ('firearms_seized', 'firearms', NULL, NULL, NULL, NULL, 'seized', 'firearms', '_T',
     'Firearms seized, all marking statuses');

COMMENT ON TABLE stg_measure_definitions IS
    'Which rows of which package table make each measure (one row per measure). The indicator_catalogue names these measures as its numerators and denominators.';
COMMENT ON COLUMN stg_measure_definitions.measure IS 'Identifier of the measure.';
COMMENT ON COLUMN stg_measure_definitions.source_table IS 'The package table the measure is read from.';
COMMENT ON COLUMN stg_measure_definitions.iccs_code IS 'homicide rows: the ICCS code selected.';
COMMENT ON COLUMN stg_measure_definitions.sex IS 'The sex code selected (SDMX CL_SEX).';
COMMENT ON COLUMN stg_measure_definitions.mechanism IS 'homicide rows: the mechanism code selected.';
COMMENT ON COLUMN stg_measure_definitions.prison_measure IS 'prison rows: the measure code selected.';
COMMENT ON COLUMN stg_measure_definitions.action IS 'firearms rows: the action code selected.';
COMMENT ON COLUMN stg_measure_definitions.item IS 'firearms rows: the item code selected.';
COMMENT ON COLUMN stg_measure_definitions.marking_status IS 'firearms rows: the marking status selected.';
COMMENT ON COLUMN stg_measure_definitions.description IS 'What the measure counts.';

CREATE VIEW stg_measures AS
SELECT d.measure, p.iso3, p.year, p.population AS value,
       CASE WHEN p.is_break THEN 'B' ELSE 'A' END AS obs_status, p.source, p.note,
       'population' AS resource, p.input_row, o.source_id, o.source_line, p.is_break
FROM denominators AS p
JOIN stg_measure_definitions AS d
  ON d.source_table = 'population' AND d.sex = p.sex
JOIN population AS o ON o.input_row = p.input_row
UNION ALL
SELECT d.measure, h.iso3, h.year, h.victims, coalesce(h.obs_status, 'A'), h.source, h.note,
       'homicide', h.input_row, h.source_id, h.source_line, false
FROM homicide AS h
JOIN stg_measure_definitions AS d
  ON d.source_table = 'homicide' AND d.iccs_code = h.iccs_code
 AND d.sex = h.sex AND d.mechanism = h.mechanism
UNION ALL
SELECT d.measure, p.iso3, p.year, p.value, coalesce(p.obs_status, 'A'), p.source, p.note,
       'prison', p.input_row, p.source_id, p.source_line, false
FROM prison AS p
JOIN stg_measure_definitions AS d
  ON d.source_table = 'prison' AND d.prison_measure = p.measure AND d.sex = p.sex
UNION ALL
SELECT d.measure, f.iso3, f.year, f.quantity, coalesce(f.obs_status, 'A'), f.source, f.note,
       'firearms', f.input_row, f.source_id, f.source_line, false
FROM firearms AS f
JOIN stg_measure_definitions AS d
  ON d.source_table = 'firearms' AND d.action = f.action AND d.item = f.item
 AND d.marking_status = f.marking_status;

COMMENT ON VIEW stg_measures IS
    'The measures of stg_measure_definitions read from the package tables: one row per measure, country and year. An empty obs_status in the source reads as A; population comes from denominators (one chosen series) and is A, or B in the first year after its series changes.';
COMMENT ON COLUMN stg_measures.measure IS 'Identifier of the measure (see stg_measure_definitions).';
COMMENT ON COLUMN stg_measures.iso3 IS 'ISO 3166-1 alpha-3 code of the member state.';
COMMENT ON COLUMN stg_measures.year IS 'Calendar year.';
COMMENT ON COLUMN stg_measures.value IS 'The count (persons, victims, firearms or places).';
COMMENT ON COLUMN stg_measures.obs_status IS 'SDMX OBS_STATUS of the source row (A when empty).';
COMMENT ON COLUMN stg_measures.source IS 'The source row''s source.';
COMMENT ON COLUMN stg_measures.note IS 'The source row''s note.';
COMMENT ON COLUMN stg_measures.resource IS 'The package table the row comes from.';
COMMENT ON COLUMN stg_measures.input_row IS 'The row of the submitted file it was read from (as validation_findings cites it).';
COMMENT ON COLUMN stg_measures.source_id IS 'The source of the row (see sources).';
COMMENT ON COLUMN stg_measures.source_line IS 'For imported rows, the line of the public file (see provenance).';
COMMENT ON COLUMN stg_measures.is_break IS 'true for a population in the first year after its series changes.';
