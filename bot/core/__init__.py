"""Platform-neutral domain: knows no Slack, Discord, SQL dialect or openai."""
