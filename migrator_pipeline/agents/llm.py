"""The Claude client the agents use: the real `anthropic` SDK, its retries and its usage fields.

Switched off unless configured (MIGRATOR_LLM_ENABLED=1 and ANTHROPIC_API_KEY): the rules path
runs without it, and every object it would have handled is reported as not converted.

Retries are the SDK's own (`max_retries`): exponential backoff on 408/409/429/5xx (529
"overloaded" included) and on timeouts, honouring `retry-after`/`retry-after-ms`. When they are
exhausted the call raises, and the caller records the object as failed with the reason.

Streaming: a reply is one query, and with the default max_tokens (4096) it arrives well within
the timeout, so the request is plain: the SDK then retries an overloaded API (529) like any
other status. When max_tokens is raised beyond what can arrive within the timeout (at the SDK's
own pace estimate, 128,000 tokens an hour), a plain request would time out on every long reply,
so it is streamed (the SDK's `messages.stream`): the timeout then bounds the silence between
events, not the whole reply, and the final message carries the same exact `usage` (the SDK
accumulates `message_start` and `message_delta`'s cumulative counts). A streamed reply that
breaks off (an `error` event mid-stream) is not retried by the SDK: it raises, like exhausted
retries, and the object is failed with the reason.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from migrator_pipeline.assessment import ESTIMATED_REPLY_TOKENS  # one estimate: the assessment's
from migrator_pipeline.drafts import LlmUsage

if TYPE_CHECKING:  # the SDK itself is imported by whoever makes a client (defs/resources.py)
    import anthropic

DEFAULT_MODEL = "claude-sonnet-4-6"
# the SDK's estimate of how fast a reply is written (anthropic._base_client: 128,000 tokens an hour)
REPLY_TOKENS_PER_SECOND = 128_000 / 3600


@dataclass(frozen=True)
class Price:
    """USD per million tokens. Cache writes (5-minute) cost 1.25x input, cache reads 0.1x."""

    input: float
    output: float
    # models after Opus 4.6 reject `temperature` with a 400 and the SDK (2.x) no longer has the
    # argument: it is sent (through extra_body) only to models that still take it
    takes_temperature: bool = True

    @property
    def cache_write(self) -> float:
        return self.input * 1.25

    @property
    def cache_read(self) -> float:
        return self.input * 0.1


# From Anthropic's price list; an estimate for accounting and budgets, never billing.
PRICES: dict[str, Price] = {
    "claude-sonnet-4-6": Price(3.0, 15.0), "claude-sonnet-4-5": Price(3.0, 15.0),
    "claude-opus-4-6": Price(5.0, 25.0), "claude-opus-4-5": Price(5.0, 25.0),
    "claude-opus-4-7": Price(5.0, 25.0, takes_temperature=False),
    "claude-haiku-4-5": Price(1.0, 5.0),
}


class UnknownModelPrice(ValueError):
    """A model without a price: refused at start, because a guessed price makes budgets lie."""


class BudgetExhausted(RuntimeError):
    pass


PROCEED_HINT = "set MIGRATOR_LLM_PROCEED=1 to spend up to the budget anyway"


def price_of(model: str, prices: dict[str, Price] | None = None) -> Price:
    table = PRICES if prices is None else prices
    if model not in table:
        raise UnknownModelPrice(
            f"no price for model {model!r}: add it to the price table (known: {', '.join(sorted(table))})")
    return table[model]


def cost_of(usage: LlmUsage, price: Price) -> float:
    return (usage.input_tokens * price.input + usage.output_tokens * price.output
            + usage.cache_write_tokens * price.cache_write
            + usage.cache_read_tokens * price.cache_read) / 1_000_000


@dataclass
class Budget:
    """A project's LLM allowance, in tokens (input + output + cache) or dollars; 0 means none.
    Shared by every call of a run; calls check it before spending, so concurrent calls already
    in flight when it runs out (at most the concurrency limit less one) still complete."""

    max_tokens: int = 0
    max_usd: float = 0.0
    spent: LlmUsage = field(default_factory=LlmUsage)
    proceed_over_estimate: bool = False  # start although the assessment's estimate exceeds it
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def exhausted(self) -> bool:
        with self._lock:
            return bool((self.max_tokens and self.spent.billed_tokens >= self.max_tokens)
                        or (self.max_usd and self.spent.cost_usd >= self.max_usd))

    def limited(self) -> bool:
        return bool(self.max_tokens or self.max_usd)

    def exceeded_by(self, estimate: LlmUsage) -> str | None:
        """Why an estimated spend does not fit what is left of the budget; None when it fits."""
        if self.max_tokens and self.spent.billed_tokens + estimate.billed_tokens > self.max_tokens:
            return (f"estimated {estimate.billed_tokens} tokens exceed the budget "
                    f"({self.max_tokens - self.spent.billed_tokens} left)")
        if self.max_usd and self.spent.cost_usd + estimate.cost_usd > self.max_usd:
            return (f"estimated ${estimate.cost_usd:.4f} exceeds the budget "
                    f"(${self.max_usd - self.spent.cost_usd:.4f} left)")
        return None

    def refusal(self, estimate: LlmUsage, objects: int) -> str | None:
        """Why the LLM work must not start: the estimate (the assessment's, before anything is
        spent) exceeds the budget and the user did not say to proceed. One line; None: go on."""
        if self.proceed_over_estimate:
            return None
        reason = self.exceeded_by(estimate)
        if reason is None:
            return None
        counted = f"{objects} object{'' if objects == 1 else 's'}"
        return (f"refusing to start the LLM work: the assessment's {reason} for {counted}; "
                f"nothing was spent: raise the budget or {PROCEED_HINT}")

    def charge(self, usage: LlmUsage) -> None:
        with self._lock:
            self.spent.add(usage)


class ResponseCache(Protocol):
    def get(self, key: str) -> str | None: ...

    def put(self, key: str, model: str, text: str) -> None: ...


@dataclass
class LlmReply:
    text: str
    usage: LlmUsage
    cached: bool = False


def cache_key(model: str, prompt_version: str, system: str, prompt: str) -> str:
    """What identifies an answer: the model, the prompt version and the whole input."""
    payload = json.dumps([model, prompt_version, system, prompt], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class LlmClient:
    """One configured model. `system` is the long shared prefix (conventions, trap rules): it is
    sent with `cache_control`, so every request after the first reads it from Anthropic's cache."""

    def __init__(self, client: anthropic.Anthropic, model: str = DEFAULT_MODEL, max_tokens: int = 4096,
                 temperature: float = 0.0, *, budget: Budget | None = None,
                 cache: ResponseCache | None = None, concurrency: int = 4,
                 prices: dict[str, Price] | None = None):
        self.client = client
        self.model = model
        self.price = price_of(model, prices)  # an unknown model fails here, before any request
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.budget = budget or Budget()
        self.cache = cache
        self.concurrency = max(1, concurrency)
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self.streamed = _reply_outlasts_timeout(max_tokens, client.timeout)

    def refusal(self, llm_estimate: dict) -> str | None:
        """Why the LLM work must not start, given the assessment's estimate (its summary's
        `llm_estimate`); None when it fits the budget or the user said to proceed."""
        return self.budget.refusal(assessed_usage(llm_estimate, self.price), llm_estimate.get("objects", 0))

    def complete(self, system: str, prompt: str, prompt_version: str = "") -> LlmReply:
        key = cache_key(self.model, prompt_version, system, prompt)
        if self.cache is not None:
            text = self.cache.get(key)
            if text is not None:
                return LlmReply(text, LlmUsage(), cached=True)
        if self.budget.exhausted():
            raise BudgetExhausted("budget exhausted")
        request = dict(
            model=self.model, max_tokens=self.max_tokens,
            system=[{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
            messages=[{"role": "user", "content": prompt}],
            extra_body={"temperature": self.temperature} if self.price.takes_temperature else None,
        )
        with self._slots:
            if self.streamed:
                with self.client.messages.stream(**request) as stream:
                    response = stream.get_final_message()
            else:
                response = self.client.messages.create(**request)
        text = "".join(block.text for block in response.content if block.type == "text")
        usage = usage_of(response.usage, self.price)
        self.budget.charge(usage)
        if self.cache is not None and response.stop_reason != "max_tokens":
            self.cache.put(key, self.model, text)
        return LlmReply(text, usage)


def _reply_outlasts_timeout(max_tokens: int, timeout) -> bool:
    """Whether the longest reply allowed may take longer than the read timeout to arrive whole."""
    import httpx2 as httpx  # the anthropic SDK's transport: imported with a client, not with the code location

    seconds = timeout.read if isinstance(timeout, httpx.Timeout) else timeout
    return seconds is not None and max_tokens > seconds * REPLY_TOKENS_PER_SECOND


def assessed_usage(llm_estimate: dict, price: Price) -> LlmUsage:
    """The assessment's estimate (its summary's `llm_estimate`) as usage, priced: each object one
    request whose reply is ESTIMATED_REPLY_TOKENS, the rest of its tokens input."""
    replies = llm_estimate.get("objects", 0) * ESTIMATED_REPLY_TOKENS
    estimate = LlmUsage(input_tokens=max(llm_estimate.get("tokens", 0) - replies, 0), output_tokens=replies)
    estimate.cost_usd = cost_of(estimate, price)
    return estimate


def usage_of(usage, price: Price) -> LlmUsage:
    """The response's own counts, exactly; absent cache fields (older models) count as 0."""
    counted = LlmUsage(
        requests=1,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=getattr(usage, "cache_read_input_tokens", None) or 0,
        cache_write_tokens=getattr(usage, "cache_creation_input_tokens", None) or 0,
    )
    counted.cost_usd = cost_of(counted, price)
    return counted
