"""Guidance meetings: free times (DST-safe slots, the fair advisor), the times offered when a case
opens, booking with no double booking (cell claims), moves, cancellations, held / no-show,
reminders 24 h and 2 h before, join links and calendar files and feeds, the person's own
meetings through their link and the office's calendar page."""
