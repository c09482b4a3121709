"""Advisors: their records (languages, topics, weekly hours, absences) kept by office admins,
``advisor.changed`` events, their private calendar feed links, and the office's advisors page."""
