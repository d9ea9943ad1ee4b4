"""Scorers: the offline checklist scorer and the OpenAI-compatible LLM scorer."""
