"""Group programmes (courses, growth programmes, innovation camps, school programmes): their
sessions, places and waitlists, attendance, session reminders, and their pages for the person
and the office."""
