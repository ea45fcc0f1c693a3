"""The Claude client the agents use: the real `anthropic` SDK, its retries and its usage fields.

Switched off unless configured (MIGRATOR_LLM_ENABLED=1 and ANTHROPIC_API_KEY): the rules path
runs without it, and every object it would have handled is reported as not converted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import anthropic

from migrator_pipeline.agents.drafts import LlmUsage

DEFAULT_MODEL = "claude-sonnet-4-6"
# USD per million tokens (input, output), from Anthropic's price list for Sonnet, Opus and Haiku
# models; an estimate for usage accounting, never billing. Unlisted models are priced as the default.
PRICES = {"claude-sonnet-4-6": (3.0, 15.0), "claude-opus-4-6": (5.0, 25.0),
          "claude-haiku-4-5": (1.0, 5.0)}
_SQL_BLOCK = re.compile(r"```(?:sql)?\s*\n(.*?)```", re.DOTALL | re.IGNORECASE)


@dataclass
class LlmReply:
    text: str
    usage: LlmUsage

    def sql(self) -> str | None:
        """The SQL in the reply's first fenced block, or None when the reply has none."""
        match = _SQL_BLOCK.search(self.text)
        return match.group(1).strip() if match else None


class LlmClient:
    def __init__(self, client: anthropic.Anthropic, model: str = DEFAULT_MODEL, max_tokens: int = 4096):
        self.client = client
        self.model = model
        self.max_tokens = max_tokens

    def complete(self, system: str, prompt: str) -> LlmReply:
        response = self.client.messages.create(
            model=self.model, max_tokens=self.max_tokens, system=system,
            messages=[{"role": "user", "content": prompt}],
        )
        text = "".join(block.text for block in response.content if block.type == "text")
        input_price, output_price = PRICES.get(self.model, PRICES[DEFAULT_MODEL])
        usage = LlmUsage(
            input_tokens=response.usage.input_tokens,
            output_tokens=response.usage.output_tokens,
            cost_usd=(response.usage.input_tokens * input_price
                      + response.usage.output_tokens * output_price) / 1_000_000,
        )
        return LlmReply(text, usage)
