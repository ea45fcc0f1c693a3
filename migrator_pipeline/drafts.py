"""The translation's results, below the layers that make and read them.

`Drafts` is the executor's output (agents/executor.py), one per planned model and macro, kept
with how it was made; `RepairOutcome` is the rebuilder's (agents/rebuilder.py). The dbt writer
and the evaluator read both, so they live here, under `dbt_project/`, rather than in `agents/`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from migrator_pipeline.serialisation import SavedAsJson


@dataclass
class LlmUsage:
    """Exact sums of the responses' `usage` fields; answers from the response cache add nothing."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    requests: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    def add(self, other: LlmUsage) -> None:
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cost_usd += other.cost_usd
        self.requests += other.requests
        self.cache_read_tokens += other.cache_read_tokens
        self.cache_write_tokens += other.cache_write_tokens

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def billed_tokens(self) -> int:
        """Every token a budget counts: uncached input, output, and cache reads and writes."""
        return self.tokens + self.cache_read_tokens + self.cache_write_tokens


@dataclass
class DraftModel:
    name: str
    origin: str  # object key of what the model came from
    sql: str | None  # the dbt model's SQL (PostgreSQL with Jinja); None when no draft could be made
    method: str  # "rules" | "rules+llm" (LLM's set-based T-SQL, then the rules) | "llm" | "none"
    attempts: int = 0
    error: str | None = None
    usage: LlmUsage = field(default_factory=LlmUsage)
    needs_review: bool = False  # not attempted by the LLM: the project's budget ran out
    rejections: list[str] = field(default_factory=list)  # each rejected LLM attempt, with its reason

    @property
    def ok(self) -> bool:
        return self.sql is not None


@dataclass
class DraftMacro:
    name: str
    origin: str
    parameters: list[str]
    sql: str | None  # the macro's body expression
    method: str
    error: str | None = None


@dataclass
class Drafts(SavedAsJson):
    project: str
    models: list[DraftModel] = field(default_factory=list)
    macros: list[DraftMacro] = field(default_factory=list)

    def model(self, name: str) -> DraftModel | None:
        return next((m for m in self.models if m.name == name), None)

    @property
    def usage(self) -> LlmUsage:
        total = LlmUsage()
        for model in self.models:
            total.add(model.usage)
        return total


@dataclass
class RepairOutcome(SavedAsJson):
    """One failed model's repair: kept as a list in `repairs.json` (`save_all`, `load_all`)."""

    name: str
    passed: bool
    attempts: int
    fixes: list[str] = field(default_factory=list)
    error: str | None = None
    sql: str | None = None
    usage: LlmUsage = field(default_factory=LlmUsage)
    rejections: list[str] = field(default_factory=list)
