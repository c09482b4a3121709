"""Message composition: which message an event causes, to whom, and its words and calendar
file (pure functions, no I/O), and the texts rendered from the template files."""
