"""A person's message preferences: which channels carry non-essential messages; the rule
delivery applies, and the JSON routes and page, through the person's link, that set them."""
