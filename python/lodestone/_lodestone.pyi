"""Types of the Rust extension `lodestone._lodestone` (use the `lodestone` package)."""

from os import PathLike
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

class Scenario:
    """A scenario: its own file's TOML text and the parsed, merged scenario.

    >>> sc = Scenario.load("baseline")
    >>> what_if = sc.with_events([{"type": "disruption", "facility": "mt_weld",
    ...     "start": "2026-01", "end": "2026-06", "loss": 1.0}], name="mt-weld-outage")
    """

    @staticmethod
    def load(name_or_path: str) -> Scenario:
        """A shipped scenario by name (``"baseline"``) or a ``.toml`` file by path."""
    @staticmethod
    def from_toml(text: str, name: str = "<string>",
                  base: Optional[Union[str, PathLike[str]]] = None) -> Scenario:
        """A scenario from TOML text (``name`` is its file name in diagnostics); ``extends``
        is looked up in ``base``, then among the shipped scenarios."""
    @staticmethod
    def from_dict(d: dict) -> Scenario:
        """A scenario from a dict shaped like the TOML file."""
    def with_events(self, events: Sequence[dict], name: Optional[str] = None) -> Scenario:
        """This scenario with ``events`` (``[[events]]`` tables as dicts) appended."""
    def to_toml(self) -> str:
        """The scenario's own file as TOML (``extends`` kept)."""
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def dataset(self) -> str:
        """The embedded dataset it runs on."""
    @property
    def horizon(self) -> Tuple[str, str, str]:
        """(start, end, step): ``("2024-01", "2035-12", "month")``."""
    @property
    def event_count(self) -> int:
        """Events, parents' included."""
    @property
    def files(self) -> List[str]:
        """Files of the ``extends`` chain, child first."""

class Dataset:
    """A loaded, checked dataset."""

    @staticmethod
    def embedded(name: str) -> Dataset:
        """An embedded dataset (``"rare-earths"``)."""
    @staticmethod
    def load(path: Union[str, PathLike[str]]) -> Dataset:
        """A dataset folder, checked as ``lodestone validate`` checks it."""
    @property
    def name(self) -> str: ...

class RawRun:
    """A run as the extension holds it (wrapped by ``lodestone.Run``)."""

    def summary_json(self) -> str: ...
    def table(self, name: str) -> Tuple[List[str], List[Tuple[str, bytes]], List[str]]: ...
    def backtest_json(self) -> str: ...
    def export_lp(self, month: str) -> str: ...
    @property
    def warnings(self) -> List[str]: ...
    @property
    def scenario(self) -> str: ...

def datasets() -> List[str]: ...
def scenarios() -> List[str]: ...
def version() -> str: ...
def run(scenario: Union[str, Scenario], dataset: Optional[Dataset] = None,
        step: Optional[str] = None) -> RawRun: ...
def ensemble(scenario: Union[str, Scenario], runs: int, seed: int, threads: Optional[int] = None,
             step: Optional[str] = None, dataset: Optional[Dataset] = None,
             progress: Optional[Callable[[int, int], Any]] = None, replicates: bool = False,
             point: Optional[List[Tuple[str, float]]] = None
             ) -> Tuple[str, Optional[Tuple[List[int], List[str], List[str], List[float]]],
                        Optional[Tuple[List[int], List[str], List[float]]]]: ...
def ensemble_check(scenario: Union[str, Scenario], step: Optional[str] = None,
                   dataset: Optional[Dataset] = None,
                   point: Optional[List[Tuple[str, float]]] = None) -> None: ...
def ensemble_shard(scenario: Union[str, Scenario], start: int, end: int, seed: int,
                   threads: Optional[int] = None, step: Optional[str] = None,
                   dataset: Optional[Dataset] = None,
                   point: Optional[List[Tuple[str, float]]] = None) -> bytes: ...
def ensemble_merge(shards: List[bytes], replicates: bool = False
                   ) -> Tuple[str, Optional[Tuple[List[int], List[str], List[str], List[float]]],
                              Optional[Tuple[List[int], List[str], List[float]]]]: ...
def ensemble_write(shards: List[bytes], out: Union[str, PathLike[str]]) -> str: ...
def compare_rows(a: RawRun, b: RawRun, threshold: float) -> str: ...
def report(a: RawRun, b: Optional[RawRun] = None, path: Union[str, PathLike[str]] = ...,
           ensemble_json: Optional[str] = None) -> str: ...
def calibrate(scenario: Union[str, Scenario], params: List[str], targets: List[str] = ...,
              seed: int = 42, max_runs: int = 200, threads: Optional[int] = None,
              step: Optional[str] = None, dataset: Optional[Dataset] = None,
              progress: Optional[Callable[[int, int], Any]] = None) -> Tuple[str, str]: ...

class EnsembleMerger:
    """Ensemble shards merged one at a time, in replicate order (what ``lodestone.ray``
    merges with as shards arrive): the same result as ``ensemble_merge`` of the whole list.

    >>> m = EnsembleMerger(replicates=False)
    >>> for shard in shards_in_order:
    ...     m.push(shard)
    >>> doc, rows, params = m.finish()
    """

    def __init__(self, replicates: bool = False,
                 out: Optional[Union[str, PathLike[str]]] = None) -> None:
        """Keep the summary only, also the per-replicate rows (``replicates``), or write
        ``ensemble.json``, ``replicates.csv`` and ``parameters.csv`` into ``out``."""
    def push(self, shard: bytes) -> None:
        """Merge the next shard (it must start at ``count``); raises ``LodestoneError`` for
        a shard out of order or of another ensemble, and leaves the merger as it was."""
    @property
    def count(self) -> int:
        """Replicates merged so far."""
    @property
    def shards(self) -> int:
        """Shards merged so far."""
    def finish(self) -> Tuple[str, Optional[Tuple[List[int], List[str], List[str], List[float]]],
                              Optional[Tuple[List[int], List[str], List[float]]]]:
        """The summary JSON and, with ``replicates``, the rows; the merger is then spent."""

class NewsStore:
    """A news store folder (``news.sqlite3`` + the tantivy index); wrapped by
    ``lodestone.news.Store``. Every method returns the JSON text of ``lodestone news …
    --json``."""

    def __init__(self, path: Union[str, PathLike[str]]) -> None: ...
    @property
    def path(self) -> str: ...
    def count(self) -> int: ...
    def ingest(self, paths: List[Union[str, PathLike[str]]],
               format: Optional[str] = None) -> str: ...
    def documents(self) -> str: ...
    def search(self, query: str, since: Optional[str] = None, source: Optional[str] = None,
               limit: int = 10) -> str: ...
    def claims(self, doc: Optional[str] = None) -> str: ...
    def check(self) -> str: ...
    def propose(self) -> str: ...
