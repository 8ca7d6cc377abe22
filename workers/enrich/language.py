"""Language identification (ISO 639-1): function-word profiles for en/ru/kk, py3langid for the rest.

Kazakh is told apart by its letters (Cyrillic ә ғ қ ң ө ұ ү һ і; Latin á ǵ ń ó ú ı ş ç ğ ñ ü) and
function words, in both scripts; py3langid reads Latin Kazakh as Turkish or Crimean Tatar.

py3langid's model is ~65 MiB of arrays once decompressed (a uint32 DFA of 37 MiB, float16 weights of
27 MiB); loaded the usual way it sits on the heap of every worker in full. Here it is unpacked once
into plain .npy files under the user's cache directory and memory-mapped read-only: only the pages
classification touches become resident, they are page cache shared by every process that maps them
(a worker's parent and its pool alike), and the kernel can drop them under memory pressure. The
arrays and the classifier code are py3langid's own, so the results are the same.

"Only the pages touched" needs two precautions, because text visits DFA rows and weight rows all
over the files (a few thousand of them for the news newswire reads): the freshly written files are
dropped from the page cache, since the kernel keeps what a large write() put there in large folios
and maps a whole folio (up to 2 MiB here) on the first touch; and the mappings are advised
MADV_RANDOM, so a fault reads the one page it needs instead of reading ahead. Measured over the
bench corpus and every fixture: ~9 MiB resident instead of ~40 MiB without them (72 MiB on the heap).
"""

from __future__ import annotations

import hashlib
import logging
import math
import mmap
import os
import re
import shutil
import tempfile
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+", re.UNICODE)
# і is Ukrainian and Belarusian too, so only the letters no other Cyrillic language has count.
_KAZAKH_CYRILLIC = re.compile(r"[әғқңөұүһ]", re.IGNORECASE)
_KAZAKH_LATIN = re.compile(r"[áǵńóúıýşçğñüöä]", re.IGNORECASE)
_PROFILES: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the of and to in a is that for on with as was by at from it are be has have said will".split()
    ),
    "ru": frozenset("и в на что с по не из к о от для как это за также его он а года году при до".split()),
    "kk": frozenset("және мен бен пен бұл осы үшін бойынша туралы деді жылы да де ол еді болды мен".split()),
    "kk-latn": frozenset(
        "jáne men ben pen bul osy úshin boıynsha týraly dedi jyly da de ol edi boldy jane".split()
    ),
}
_SAMPLE = 600


# The arrays of py3langid.modelio.load_model, in its order; bump the layout when the files change.
_MODEL_ARRAYS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")
_MODEL_LAYOUT = 2


def _cache_root() -> Path:
    """newswire's directory under the user's cache directory (XDG base-directory convention)."""
    base = os.environ.get("XDG_CACHE_HOME")
    try:
        return (Path(base) if base else Path.home() / ".cache") / "newswire"
    except RuntimeError as exc:  # no home directory, e.g. a container running as an unnamed uid
        raise OSError(f"no cache directory: {exc}") from exc


def _unpacked_model(source: Path) -> Path:
    """The directory of the model file's arrays as uncompressed .npy files, written on first use.

    Named by the model file's hash, so a new py3langid model gets a directory of its own. The files
    are written to a scratch directory that is then renamed into place, so a process never reads a
    half-written model; when two processes unpack at once, the one that renames second drops its copy.
    """
    from py3langid.modelio import load_model

    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    target = _cache_root() / f"py3langid-{digest}-v{_MODEL_LAYOUT}"
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=target.parent))
    try:
        ptc, pc, classes, nextmove, nextmove_row, out_feat = load_model(source)
        arrays = (
            np.asarray(ptc),
            np.asarray(pc),
            np.array(classes),
            np.asarray(nextmove),  # array('I') of the deduplicated DFA rows
            np.asarray(nextmove_row),  # array('H'): state -> row
            np.asarray(out_feat, dtype=np.int32),  # state -> feature, -1 for none
        )
        for name, array in zip(_MODEL_ARRAYS, arrays, strict=True):
            with (scratch / f"{name}.npy").open("wb") as file:
                np.save(file, array, allow_pickle=False)
                file.flush()
                _drop_from_page_cache(file.fileno())
        try:
            scratch.rename(target)
        except OSError:
            if not target.is_dir():  # not a lost race: a real failure
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    # Unpacked copies of other models or layouts (~65 MiB each) are of no further use here.
    for stale in target.parent.glob("py3langid-*"):
        if not stale.name.startswith(target.name):
            shutil.rmtree(stale, ignore_errors=True)
    return target


def _drop_from_page_cache(fd: int) -> None:
    """Write the file out and drop its pages from the page cache (see the module docstring)."""
    if hasattr(os, "posix_fadvise"):  # Linux; elsewhere the pages simply stay cached
        os.fsync(fd)  # only clean pages can be dropped
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)


def _mapped(path: Path) -> np.ndarray:
    """A read-only array over a memory-mapped .npy file, the mapping advised for random access."""
    with path.open("rb") as file:
        version = np.lib.format.read_magic(file)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(file)
        else:
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(file)
        offset = file.tell()
        # The mapping outlives the file object: it holds its own reference to the file.
        mapping = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    if hasattr(mmap, "MADV_RANDOM"):
        mapping.madvise(mmap.MADV_RANDOM)
    flat = np.frombuffer(mapping, dtype=dtype, count=math.prod(shape), offset=offset)
    return flat.reshape(shape, order="F" if fortran_order else "C")


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    """py3langid's classifier over the memory-mapped model (the in-memory one if the cache is unwritable)."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    try:
        directory = _unpacked_model(MODEL_DIR / MODEL_FILE)
    except OSError as exc:
        # Memory as before this cache existed: set XDG_CACHE_HOME to a writable directory.
        log.warning("cannot unpack the language model (%s); loading it into memory", exc)
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

    def mapped(name: str) -> np.ndarray:
        return _mapped(directory / f"{name}.npy")

    # The DFA tables are read one element at a time in py3langid's Python loop: the items of an
    # array's memoryview (`.data`) are plain ints, as fast to index as py3langid's own array('I').
    return LanguageIdentifier(
        mapped("ptc"),
        np.load(directory / "pc.npy", allow_pickle=False),
        np.load(directory / "classes.npy", allow_pickle=False).tolist(),
        mapped("nextmove").data,
        mapped("out_feat").data,
        norm_probs=True,
        tk_row=mapped("nextmove_row").data,
    )


def detect(text: str) -> tuple[str | None, float | None]:
    """(ISO 639-1 code, confidence 0..1) for the text, or (None, None) if it has no words."""
    words = list(map(str.lower, _WORD.findall(text[: _SAMPLE * 3])[:200]))
    if len(words) < 3:
        return None, None
    counts = Counter(words)
    shares = {
        lang: sum(counts[w] for w in profile & counts.keys()) / len(words)
        for lang, profile in _PROFILES.items()
    }
    sample = " ".join(words)
    kazakh_cyr = len(_KAZAKH_CYRILLIC.findall(sample))
    kazakh_lat = len(_KAZAKH_LATIN.findall(sample))
    if kazakh_cyr >= 3 and kazakh_cyr / max(1, len(words)) >= 0.05:
        return "kk", round(min(0.99, 0.75 + shares["kk"] + kazakh_cyr / 400), 3)
    if shares["kk-latn"] >= 0.04 and kazakh_lat >= 3:
        return "kk", round(min(0.99, 0.7 + shares["kk-latn"] + kazakh_lat / 400), 3)
    best = max(("en", "ru"), key=lambda lang: shares[lang])
    # Function words make up a quarter or more of running English or Russian prose.
    if shares[best] >= 0.15:
        return best, round(min(0.99, 0.6 + 1.5 * shares[best]), 3)
    code, probability = _identifier().classify(text[:_SAMPLE])
    return code, round(float(probability), 3)
