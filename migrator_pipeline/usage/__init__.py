"""Usage accounting: the metadata every step attaches to its materialization, under one schema.

Keys are prefixed `usage/` so that accounting can read them from the event log of any run.
"""

from __future__ import annotations


def usage_metadata(*, objects: int = 0, models: int = 0, input_tokens: int = 0,
                   output_tokens: int = 0, cost_usd: float = 0.0, seconds: float = 0.0) -> dict:
    return {
        "usage/objects": objects,
        "usage/models": models,
        "usage/llm_input_tokens": input_tokens,
        "usage/llm_output_tokens": output_tokens,
        "usage/llm_tokens": input_tokens + output_tokens,
        "usage/llm_cost_usd": round(cost_usd, 6),
        "usage/seconds": round(seconds, 3),
    }
