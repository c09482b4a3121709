"""Office seats: desks booked by half day, check-in and the release of no-shows, and their pages
for the person and the office."""
