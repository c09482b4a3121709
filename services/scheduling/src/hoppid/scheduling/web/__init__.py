"""scheduling's pages: the person's meetings, programmes and desks (by their signed link), and
the office's calendar, advisors, programmes and desks (signed-in staff of that office)."""
