"""Discord features as cogs, each loaded as an extension with ``async def setup(bot)``."""
