"""The clock: APScheduler ticks the service; the database decides what is due."""
