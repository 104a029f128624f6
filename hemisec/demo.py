"""The synthetic demo dataset: plausible, deterministic, and labelled as invented.

Every figure is drawn from a seeded random generator around rough orders of
magnitude (population size, subregional homicide levels, prison rates), so the
demo exercises every table, code and check without claiming to describe any
country. Every row's `source` says so. The same seed always writes the same files.

All arrays are country x year (35 x 24), built with numpy broadcasting.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hemisec.package import SYNTHETIC_MARKER, DataPackage

SEED = 2015
YEARS = np.arange(2000, 2024)
DEMO_SOURCE = f"{SYNTHETIC_MARKER} (hemisec.demo, seed {SEED}): invented figures, not real data"

#: Rough population in 2000, in millions: only to give each country a plausible scale.
POPULATION_SCALE = {
    "ATG": 0.076, "ARG": 37, "BHS": 0.30, "BRB": 0.27, "BLZ": 0.25, "BOL": 8.4, "BRA": 175,
    "CAN": 30.7, "CHL": 15.3, "COL": 40, "CRI": 3.9, "CUB": 11.1, "DMA": 0.07, "DOM": 8.5,
    "ECU": 12.6, "SLV": 5.9, "GRD": 0.10, "GTM": 11.7, "GUY": 0.75, "HTI": 8.5, "HND": 6.5,
    "JAM": 2.6, "MEX": 98, "NIC": 5.1, "PAN": 3.0, "PRY": 5.3, "PER": 26, "KNA": 0.045,
    "LCA": 0.16, "VCT": 0.11, "SUR": 0.47, "TTO": 1.27, "USA": 282, "URY": 3.3, "VEN": 24.5,
}
#: Median homicide rate per 100,000 drawn around, by subregion.
HOMICIDE_LEVEL = {"North America": 6.0, "Central America": 22.0, "Caribbean": 12.0,
                  "South America": 12.0}


def _random_walk(rng: np.random.Generator, start: np.ndarray, step_sd: float) -> np.ndarray:
    """Log-scale random walk over the years, one row per country."""
    steps = rng.normal(0.0, step_sd, size=(len(start), len(YEARS)))
    steps[:, 0] = 0.0
    return start[:, None] * np.exp(np.cumsum(steps, axis=1))


def _long(iso3: np.ndarray, values: dict[str, np.ndarray], mask: np.ndarray | None = None,
          **constants: object) -> pd.DataFrame:
    """Country x year arrays to long rows (optionally only where mask is true)."""
    n_c, n_y = len(iso3), len(YEARS)
    frame = pd.DataFrame({
        "iso3": np.repeat(iso3, n_y),
        "year": np.tile(YEARS, n_c),
        **{k: np.asarray(v).reshape(-1) for k, v in values.items()},
    })
    for key, value in constants.items():
        frame[key] = value
    if mask is not None:
        frame = frame[mask.reshape(-1)]
    return frame


def _obs_status(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Mostly normal values, a few estimates, and the latest year provisional."""
    status = np.where(rng.random(shape) < 0.04, "E", "")
    status[:, -1] = np.where(rng.random(shape[0]) < 0.5, "P", status[:, -1])
    return status.astype(object)


#: Typical rate per 100,000 population drawn around for national categories outside
#: intentional homicide, by ICCS Level 2 prefix.
NATIONAL_RATE = {"0103": 12.0, "0201": 180.0, "0901": 25.0}


def _national_offences(rng: np.random.Generator, correspondence: pd.DataFrame,
                       population: pd.DataFrame, homicide: pd.DataFrame) -> pd.DataFrame:
    """Counts under the national categories of the demo correspondence, 2015 onwards.

    Categories mapped to intentional homicide (0101) count victims and share out the demo's
    homicide victims, give or take 10%, so national and ICCS-coded totals differ a little
    as they do in practice; the others count offences around a typical rate.
    It draws from its own generator so the other demo tables do not change with it.
    """
    rows = correspondence[["iso3", "national_code", "national_label", "iccs_code"]].merge(
        pd.DataFrame({"year": YEARS[YEARS >= 2015]}), how="cross")
    pop = population.loc[population["sex"] == "_T", ["iso3", "year", "population"]]
    victims = homicide.loc[(homicide["iccs_code"] == "0101") & (homicide["sex"] == "_T")
                           & (homicide["mechanism"] == "_T"), ["iso3", "year", "victims"]]
    rows = rows.merge(pop, on=["iso3", "year"]).merge(victims, on=["iso3", "year"])
    intentional = rows["iccs_code"] == "0101"
    weight = pd.Series(rng.gamma(2.0, 1.0, len(correspondence)),
                       index=correspondence["national_code"] + correspondence["iso3"])
    weights = weight.loc[rows["national_code"] + rows["iso3"]].to_numpy()
    share = weights / rows.assign(w=weights).groupby(
        ["iso3", "year", intentional])["w"].transform("sum").to_numpy()
    rate = rows["iccs_code"].str[:4].map(NATIONAL_RATE).fillna(20.0).to_numpy()
    expected = np.where(intentional, rows["victims"] * share * rng.uniform(0.9, 1.1, len(rows)),
                        rows["population"] * rate * share / 1e5
                        * rng.lognormal(0, 0.15, len(rows)))
    status = np.where(rows["year"] == YEARS[-1], "P", "")
    return rows.assign(counting_unit=np.where(intentional, "victims", "offences"),
                       value=rng.poisson(expected), obs_status=status)


def generate(seed: int = SEED, package: DataPackage | None = None) -> dict[str, pd.DataFrame]:
    """Return the observation tables of the demo, keyed by table name."""
    package = package or DataPackage.load()
    countries = package.reference_frames["countries"]
    iso3 = countries["iso3"].to_numpy()
    subregion = countries["subregion"].to_numpy()
    rng = np.random.default_rng(seed)
    n_c, n_y = len(iso3), len(YEARS)

    # Population: growth between 0.2% and 2% a year, 48-50% male.
    scale = np.array([POPULATION_SCALE[c] for c in iso3]) * 1e6
    growth = rng.uniform(0.002, 0.02, n_c)
    total = np.rint(scale[:, None] * np.exp(growth[:, None] * np.arange(n_y))).astype(np.int64)
    male = np.rint(total * rng.uniform(0.48, 0.50, n_c)[:, None]).astype(np.int64)
    population = pd.concat([
        _long(iso3, {"population": total}, sex="_T"),
        _long(iso3, {"population": male}, sex="M"),
        _long(iso3, {"population": total - male}, sex="F"),
    ])

    # Homicide: a rate per country drifting over time; victims drawn around it.
    level = np.array([HOMICIDE_LEVEL[s] for s in subregion])
    rate = np.clip(_random_walk(rng, level * np.exp(rng.normal(0, 0.45, n_c)), 0.07), 0.5, 90)
    victims = rng.poisson(rate * total / 1e5)
    male_v = rng.binomial(victims, rng.uniform(0.82, 0.92, n_c)[:, None])
    unknown_v = rng.binomial(victims - male_v, 0.04)
    female_v = victims - male_v - unknown_v
    mech_share = rng.dirichlet([6, 2, 1, 0.5], size=n_c)
    mech = rng.multinomial(victims, mech_share[:, None, :])
    # Mechanism reported from a start year that varies by country.
    mech_from = rng.integers(2000, 2013, n_c)
    has_mech = YEARS[None, :] >= mech_from[:, None]
    status = _obs_status(rng, (n_c, n_y))
    hom = dict(iccs_code="0101")
    homicide = pd.concat([
        _long(iso3, {"victims": victims, "obs_status": status}, sex="_T", mechanism="_T", **hom),
        _long(iso3, {"victims": male_v, "obs_status": status}, sex="M", mechanism="_T", **hom),
        _long(iso3, {"victims": female_v, "obs_status": status}, sex="F", mechanism="_T", **hom),
        # Some countries record victims of unknown sex, in every year (zeros included).
        _long(iso3, {"victims": unknown_v, "obs_status": status},
              np.repeat(rng.random(n_c) < 0.6, n_y).reshape(n_c, n_y),
              sex="_U", mechanism="_T", **hom),
        *[_long(iso3, {"victims": mech[:, :, k], "obs_status": status}, has_mech,
                sex="_T", mechanism=code, **hom)
          for k, code in enumerate(["firearm", "other_weapon", "without_weapon", "_U"])],
    ])
    # Attempted (0102) for about half the countries, non-intentional (0103) for a third.
    attempted = rng.poisson(victims * rng.uniform(0.8, 2.5, n_c)[:, None])
    non_intentional = rng.poisson(total / 1e5 * rng.uniform(2, 12, n_c)[:, None])
    homicide = pd.concat([
        homicide,
        _long(iso3, {"victims": attempted, "obs_status": status},
              np.repeat(rng.random(n_c) < 0.5, n_y).reshape(n_c, n_y),
              iccs_code="0102", sex="_T", mechanism="_T"),
        _long(iso3, {"victims": non_intentional, "obs_status": status},
              np.repeat(rng.random(n_c) < 0.33, n_y).reshape(n_c, n_y),
              iccs_code="0103", sex="_T", mechanism="_T"),
    ])

    # Prisons: persons held around 150-450 per 100,000; capacity below or near it.
    held = np.rint(_random_walk(rng, rng.lognormal(np.log(250), 0.35, n_c), 0.04)
                   * total / 1e5).astype(np.int64)
    female_p = np.rint(held * rng.uniform(0.04, 0.10, n_c)[:, None]).astype(np.int64)
    unsentenced = np.rint(held * np.clip(_random_walk(rng, rng.uniform(0.2, 0.6, n_c), 0.05),
                                         0.05, 0.9)).astype(np.int64)
    occupancy = np.clip(_random_walk(rng, rng.uniform(0.9, 1.6, n_c), 0.04), 0.6, 2.6)
    capacity = np.rint(held / occupancy).astype(np.int64)
    prison_status = _obs_status(rng, (n_c, n_y))
    prison = pd.concat([
        _long(iso3, {"value": held, "obs_status": prison_status}, measure="persons_held", sex="_T"),
        _long(iso3, {"value": held - female_p, "obs_status": prison_status},
              measure="persons_held", sex="M"),
        _long(iso3, {"value": female_p, "obs_status": prison_status},
              measure="persons_held", sex="F"),
        _long(iso3, {"value": unsentenced, "obs_status": prison_status},
              measure="unsentenced", sex="_T"),
        _long(iso3, {"value": held - unsentenced, "obs_status": prison_status},
              measure="sentenced", sex="_T"),
        _long(iso3, {"value": capacity, "obs_status": prison_status},
              measure="official_capacity", sex="_T"),
    ])

    # Firearms from 2008 (after CIFTA marking programmes began): seizures by marking status.
    from_2008 = np.broadcast_to(YEARS[None, :] >= 2008, (n_c, n_y))
    seized = rng.poisson(_random_walk(rng, rng.lognormal(np.log(25), 0.6, n_c), 0.06)
                        * total / 1e5)
    marking_share = rng.dirichlet([6, 1, 1, 2], size=n_c)
    marking = rng.multinomial(seized, marking_share[:, None, :])
    surrendered = rng.poisson(seized * rng.uniform(0.05, 0.5, n_c)[:, None])
    found = rng.poisson(seized * rng.uniform(0.02, 0.2, n_c)[:, None])
    destroyed = rng.poisson((seized + surrendered) * rng.uniform(0.3, 1.0, n_c)[:, None])
    marked = rng.poisson(total / 1e5 * rng.uniform(5, 60, n_c)[:, None])
    has_marking_programme = np.repeat(rng.random(n_c) < 0.6, n_y).reshape(n_c, n_y) & from_2008
    ammunition = rng.poisson(seized * rng.uniform(20, 150, n_c)[:, None])
    parts = rng.poisson(seized * rng.uniform(0.05, 0.4, n_c)[:, None])
    fa_status = _obs_status(rng, (n_c, n_y))

    def fa(action: str, item: str, values: np.ndarray, marking_status: str = "_T",
           mask: np.ndarray = from_2008) -> pd.DataFrame:
        return _long(iso3, {"quantity": values, "obs_status": fa_status}, mask,
                     action=action, item=item, marking_status=marking_status)

    firearms = pd.concat([
        fa("seized", "firearms", seized),
        *[fa("seized", "firearms", marking[:, :, k], code)
          for k, code in enumerate(["uniquely_marked", "altered_marking", "no_marking", "_U"])],
        fa("seized", "ammunition", ammunition),
        fa("seized", "parts_components", parts),
        fa("found", "firearms", found),
        fa("surrendered", "firearms", surrendered),
        fa("destroyed", "firearms", destroyed),
        fa("marked", "firearms", marked, mask=has_marking_programme),
    ])

    national_offences = _national_offences(
        np.random.default_rng([seed, 4]), package.reference_frames["iccs_correspondence"],
        population, homicide)

    tables = {"population": population, "homicide": homicide, "firearms": firearms,
              "prison": prison, "national_offences": national_offences}
    for name, frame in tables.items():
        spec = package.tables[name]
        frame = frame.assign(source=DEMO_SOURCE)
        for column in spec.field_names:
            if column not in frame:
                frame[column] = ""
        key = list(spec.primary_key)
        tables[name] = frame[spec.field_names].sort_values(key, ignore_index=True)
    return tables


def write(out_dir: Path, seed: int = SEED, package: DataPackage | None = None) -> dict[str, int]:
    """Write the demo tables as CSV into `out_dir`; return rows written per table."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, frame in generate(seed, package).items():
        frame.to_csv(out_dir / f"{name}.csv", index=False, lineterminator="\n")
        counts[name] = len(frame)
    return counts
