"""Usage accounting: the metadata every step attaches to its materialization, under one schema.

Three sets of numeric keys carry the same figures:
- `llm_requests`, `llm_input_tokens`, … `objects_processed`, `models_generated`, `duration_s`:
  the schema usage reports read from the event log;
- `anthropic.calls`, `anthropic.input_tokens`, …: dagster-anthropic's names, so dashboards built
  on them keep working. We don't use dagster-anthropic's resource itself: it only wraps
  synchronous calls made inside an asset context, while our calls run in LangGraph nodes (in
  worker threads, behind the response cache and budget) where no asset context exists;
- `usage/…`: the earlier names, kept for existing readers.
Every LLM figure is an exact sum of the responses' `usage` fields; cached answers add nothing.
"""

from __future__ import annotations

from migrator_pipeline.drafts import LlmUsage


def usage_metadata(*, objects: int = 0, models: int = 0, input_tokens: int = 0,
                   output_tokens: int = 0, cost_usd: float = 0.0, seconds: float = 0.0,
                   llm: LlmUsage | None = None) -> dict:
    if llm is None:
        llm = LlmUsage(input_tokens=input_tokens, output_tokens=output_tokens, cost_usd=cost_usd)
    return {
        "llm_requests": llm.requests,
        "llm_input_tokens": llm.input_tokens,
        "llm_output_tokens": llm.output_tokens,
        "llm_cache_read_tokens": llm.cache_read_tokens,
        "llm_cache_write_tokens": llm.cache_write_tokens,
        "llm_cost_usd": round(llm.cost_usd, 6),
        "objects_processed": objects,
        "models_generated": models,
        "duration_s": round(seconds, 3),
        "anthropic.calls": llm.requests,
        "anthropic.input_tokens": llm.input_tokens,
        "anthropic.output_tokens": llm.output_tokens,
        "anthropic.cache_read_input_tokens": llm.cache_read_tokens,
        "anthropic.cache_creation_input_tokens": llm.cache_write_tokens,
        "usage/objects": objects,
        "usage/models": models,
        "usage/llm_input_tokens": llm.input_tokens,
        "usage/llm_output_tokens": llm.output_tokens,
        "usage/llm_tokens": llm.tokens,
        "usage/llm_cost_usd": round(llm.cost_usd, 6),
        "usage/seconds": round(seconds, 3),
    }
