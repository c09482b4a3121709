"""The public inquiry: one case per submission (``use_cases``), the form's JSON API (``api``)
and its page with the receipt (``pages``), the inquiry as accepted (``forms``)."""
