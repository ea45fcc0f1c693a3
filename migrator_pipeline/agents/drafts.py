"""Drafts: the executor's output, one per planned model and macro, kept with how it was made."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


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
class Drafts:
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

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Drafts:
        raw = json.loads(path.read_text(encoding="utf-8"))
        models = [DraftModel(**{**m, "usage": LlmUsage(**m["usage"])}) for m in raw["models"]]
        return cls(raw["project"], models, [DraftMacro(**m) for m in raw["macros"]])
